import type { RedisClient } from "@herald/runtime";
import { backoffDelay } from "@herald/contract";
import type { Logger } from "@herald/runtime";
import { classifyFailure, type Failure } from "./classify-failure";
import { streamTrimPoint, type GroupPosition } from "./stream-trim-point";

/** Waits after a failed round: 100 ms doubling to 5 s, without jitter (one consumer, nobody to spread from). */
const RETRY_BACKOFF = { initialMs: 100, maxMs: 5_000, jitter: "none" } as const;

/**
 * How handling some entries ended: every one acknowledged or dead-lettered;
 * some left pending to be retried later while the rest of the stream goes on;
 * or a dependency is down, and everything waits.
 */
type Outcome = "settled" | "parked" | "outage";

export interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface RejectedEntry {
  readonly id: string;
  readonly reason: string;
}

/**
 * Why an entry went to the dead-letter stream: the handler rejected it
 * (unparseable, unroutable, an id conflict), it failed with a data error, or
 * it failed with errors of unknown kind maxDeliveries times.
 */
export type DeadLetterCause = "rejected" | "data_error" | "retries_exhausted";

/**
 * Processes a batch. Returning rejects lets entries it knows to be bad go to
 * the dead-letter stream. Throwing leaves the batch pending; what happens next
 * depends on the error (classifyFailure): a data error isolates and
 * dead-letters the entry at fault, an infrastructure error retries everything
 * after a pause. So a handler must tolerate being called again with any
 * subset of a batch it failed (the router's writes are idempotent).
 */
export type BatchHandler = (entries: readonly StreamEntry[]) => Promise<HandledBatch>;

/** What handling a batch answers. */
export interface HandledBatch {
  readonly rejected: readonly RejectedEntry[];
  /**
   * What is left to do before the batch is acknowledged, that the next batch
   * does not depend on (the router: pushing its rows and recording them
   * dispatched). The consumer runs it while it handles the next batch, so
   * that this work is off the path of every event behind it, and runs the
   * finishes in stream order, each once the one before resolved; a batch is
   * acknowledged only once its `finish` resolved. It must tolerate being run
   * again after the batch is handled again (a failure, a crash), and a later
   * batch's handle may run beside it.
   */
  readonly finish?: () => Promise<void>;
}

/**
 * A handler in two steps, so that the next batch is prepared while the
 * current one is stored: `prepare` does what depends on the entries alone
 * (parsing, routing), never on what earlier batches stored, and changes
 * nothing; `handle` does the rest, one batch at a time in stream order. The
 * consumer may prepare a batch and then not handle it (a failure before it,
 * a shutdown): it is prepared again when it is read again.
 */
export interface StagedBatchHandler<P> {
  readonly prepare: (entries: readonly StreamEntry[]) => Promise<P>;
  readonly handle: (prepared: P) => Promise<HandledBatch>;
}

export interface StreamConsumerOptions {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly deadLetterStream: string;
  /** The most entries one read takes (and one claim of a dead consumer's). */
  readonly batchSize: number;
  /** Entries the next read takes, at most batchSize (BatchSizer); batchSize when not given. */
  readonly nextBatchSize?: () => number;
  readonly blockMs: number;
  /** Entries pending this long on another consumer are taken over (it died). */
  readonly claimIdleMs: number;
  /** Failures of one entry with an error of unknown kind, while its dependencies are healthy, before it is dead-lettered. */
  readonly maxDeliveries: number;
  /** Whether the handler's dependencies are up: failures while they are down are not the entry's fault. */
  readonly dependenciesHealthy: () => Promise<boolean>;
  readonly logger: Logger;
  readonly trimIntervalMs?: number;
  /** Entries older than this are trimmed even when a subscriber group still needs them (EVENT_RETENTION_MS). */
  readonly retentionMs: number;
  /** Other consumers idle this long with nothing pending are removed from the group (default: 10 min, or 10 × claimIdleMs). */
  readonly forgetIdleConsumersAfterMs?: number;
  /** Told of each entry dead-lettered, once it is (for metrics). */
  readonly onDeadLetter?: (cause: DeadLetterCause, reason: string) => void;
}

type RawEntry = [id: string, fields: string[] | null];

type ReadReply = [stream: string, entries: RawEntry[]][] | null;

/** A page of entries read from the group, and the id to read on from. */
interface Page {
  readonly entries: StreamEntry[];
  /** Id of the last entry read (deleted ones included); undefined when there was none. */
  readonly last?: string;
}

/** The next page of new entries, read and prepared while the one before it was handled. */
interface Ahead<P> {
  readonly page: Page;
  /** Undefined when preparing failed: handling prepares it again, and meets the error where it is dealt with. */
  readonly prepared?: { readonly value: P };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return { id, fields: record };
}

/** True for the errors Redis answers once the group (or the whole stream) is gone, e.g. after a restart without its data. */
function isGroupMissing(error: unknown): boolean {
  return /^NOGROUP\b|no such key/i.test(String((error as Error)?.message ?? error));
}

/** Whether the consumer group exists: a readiness check (the group vanishes with a Redis that lost its data). */
export async function consumerGroupExists(redis: RedisClient, stream: string, group: string): Promise<boolean> {
  try {
    const groups = (await redis.xinfo("GROUPS", stream)) as unknown[][];
    return groups.some((g) => g[g.indexOf("name") + 1] === group);
  } catch {
    return false;
  }
}

/**
 * A Redis Streams consumer-group member: reads new entries in batches, acks
 * them once handled, re-reads its own pending entries after a failure or a
 * restart, takes over entries left pending by dead consumers (XAUTOCLAIM),
 * isolates and dead-letters bad entries without holding the others, re-creates
 * its group when Redis lost it, and trims acknowledged entries.
 */
export class StreamConsumer<P = readonly StreamEntry[]> {
  private stopping = false;
  private running?: Promise<void>;
  /** Failures of unknown kind per pending entry: it is dead-lettered when they reach maxDeliveries. */
  private readonly failures = new Map<string, number>();
  /** When entries parked after a failure are next retried. */
  private retryParkedAt?: number;
  private lastClaimAt = 0;
  private lastTrimAt = 0;
  /**
   * The last batch read as new, still finishing (its `finish`, then its ack)
   * while the next is handled; resolves false when that failed for good, and
   * the batch's entries are then in our history, to be handled again.
   */
  private finishing?: Promise<boolean>;
  private readonly handler: StagedBatchHandler<P>;

  constructor(
    /** Dedicated connection: it blocks in XREADGROUP. */
    private readonly reader: RedisClient,
    private readonly redis: RedisClient,
    private readonly options: StreamConsumerOptions,
    handler: BatchHandler | StagedBatchHandler<P>,
  ) {
    // A one-step handler is "prepared" with its entries as they are.
    this.handler =
      typeof handler === "function"
        ? ({ prepare: async (entries) => entries, handle: handler } as StagedBatchHandler<
            readonly StreamEntry[]
          > as unknown as StagedBatchHandler<P>)
        : handler;
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async ensureGroup(): Promise<void> {
    try {
      // From the start of the stream: events accepted before any router ran are not skipped.
      await this.redis.xgroup("CREATE", this.options.stream, this.options.group, "0", "MKSTREAM");
    } catch (error) {
      if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
    }
  }

  private async loop(): Promise<void> {
    const { logger } = this.options;
    // While set, our own pending entries are re-read, from this id on, before
    // new ones: at start (after a restart with the same consumer name they are
    // ours to finish), after an outage, and when parked entries are due.
    let history: string | undefined = "0";
    // Consecutive failed rounds: each waits longer, so a Redis or Postgres outage is not hammered.
    let outages = 0;
    const backOff = () => sleep(backoffDelay(++outages, RETRY_BACKOFF));
    // Read and prepared while the page before it was handled. Its entries are pending on us: a
    // read of our history finds them, so it is dropped whenever history is read instead.
    let ahead: Ahead<P> | undefined;
    // On stop, a page in hand is finished first.
    while (!this.stopping || ahead) {
      try {
        let outcome: Outcome = this.stopping ? "settled" : await this.housekeeping();
        if (outcome !== "outage") {
          if (history === undefined && this.parkedDue()) history = "0";
          if (history !== undefined) ahead = undefined;
          if (this.stopping && !ahead) break;
          const taken = ahead;
          ahead = undefined;
          // About to read: a batch still finishing is done first. It is pending on us, so a read of our history
          // would handle it twice; a read of new entries may block, and had it failed it is read again now, not
          // when the next entry comes.
          if (!taken && !(await this.finished())) history = "0";
          const page: Page = taken?.page ?? (await this.read(history ?? ">"));
          if (history !== undefined) history = page.last;
          if (page.entries.length > 0) {
            // Only while reading new entries, in stream order: the next page is read and prepared beside this one.
            const overlap = history === undefined && !this.stopping;
            const next = overlap ? this.readAhead() : undefined;
            outcome = overlap
              ? await this.processOverlapped(page.entries, taken?.prepared)
              : await this.process(page.entries, taken?.prepared);
            const read = await next;
            if (read === null) history = "0"; // the read failed: whatever it took is found in our history
            ahead = read ?? undefined;
          }
        }
        if (outcome === "outage") {
          history = "0";
          ahead = undefined;
          await backOff();
          continue;
        }
        outages = 0;
      } catch (error) {
        history = "0";
        ahead = undefined;
        if (isGroupMissing(error) && (await this.recreateGroup())) continue;
        logger.warn({ err: (error as Error).message }, "stream consumer error; retrying");
        await backOff();
      }
    }
    // Stopped: the last batch is acknowledged (or left pending, to be handled again) before we return.
    await this.finished();
  }

  /** After Redis lost the group (restarted without its data, flushed): everything in the stream now is unrouted. */
  private async recreateGroup(): Promise<boolean> {
    const { logger, stream, group } = this.options;
    this.failures.clear();
    this.retryParkedAt = undefined;
    try {
      await this.ensureGroup();
      logger.warn({ stream, group }, "consumer group was missing (Redis lost its data?); re-created it from the start of the stream");
      return true;
    } catch (error) {
      logger.error({ stream, group, err: (error as Error).message }, "consumer group is missing and cannot be re-created");
      return false;
    }
  }

  private parkedDue(): boolean {
    if (this.retryParkedAt === undefined || Date.now() < this.retryParkedAt) return false;
    this.retryParkedAt = undefined;
    return true;
  }

  /** Reads new entries (`>`, blocking unless told not to) or our own pending ones after `from`. */
  private async read(from: string, blocking = true): Promise<Page> {
    const { stream, group, consumer, blockMs } = this.options;
    const batchSize = Math.min(this.options.batchSize, this.options.nextBatchSize?.() ?? this.options.batchSize);
    // Wake up in time for parked entries that are due.
    const block = this.retryParkedAt === undefined ? blockMs : Math.max(1, Math.min(blockMs, this.retryParkedAt - Date.now()));
    const reply = (await (from === ">"
      ? blocking
        ? this.reader.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "BLOCK", block, "STREAMS", stream, ">")
        : this.reader.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "STREAMS", stream, ">")
      : this.reader.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "STREAMS", stream, from))) as ReadReply;
    const raw = reply?.[0]?.[1] ?? [];
    const entries: StreamEntry[] = [];
    const vanished: string[] = [];
    for (const item of raw) {
      const entry = toEntry(item);
      if (entry) entries.push(entry);
      else vanished.push(item[0]);
    }
    // Pending ids whose entries were deleted cannot be processed; stop tracking them.
    if (vanished.length > 0) await this.redis.xack(stream, group, ...vanished);
    return { entries, last: raw.at(-1)?.[0] };
  }

  /**
   * The next page of new entries, without waiting for any, prepared; undefined
   * when there is none, null when the read failed (the consumer reads its
   * history next, which holds whatever the failed read may have taken).
   */
  private async readAhead(): Promise<Ahead<P> | undefined | null> {
    let page: Page;
    try {
      page = await this.read(">", false);
    } catch {
      return null;
    }
    if (page.entries.length === 0) return undefined;
    try {
      return { page, prepared: { value: await this.handler.prepare(page.entries) } };
    } catch {
      return { page };
    }
  }

  /** Handles a batch and finishes it, then acknowledges it; a failure of either is isolated. */
  private async process(entries: readonly StreamEntry[], prepared?: { readonly value: P }): Promise<Outcome> {
    let handled: HandledBatch;
    try {
      handled = await this.handler.handle(prepared ? prepared.value : await this.handler.prepare(entries));
      await this.finish(handled, entries.length);
    } catch (error) {
      return this.isolate(entries, classifyFailure(error));
    }
    await this.settle(...this.sorted(entries, handled.rejected));
    return "settled";
  }

  /**
   * Handles a batch of new entries and leaves it finishing (then
   * acknowledging) while the next is handled. The batch before it is done
   * finishing first, so that finishes (the router's pushes) and acks go in
   * stream order and one batch at most is in that state. When that one
   * failed, its entries wait in our history, and so do this batch's, not
   * finished (its finish must not overtake the one to be redone): the
   * outcome is an outage, and both are read and handled again, one step at
   * a time (process), where an entry at fault is isolated.
   */
  private async processOverlapped(entries: readonly StreamEntry[], prepared?: { readonly value: P }): Promise<Outcome> {
    let handled: HandledBatch;
    try {
      handled = await this.handler.handle(prepared ? prepared.value : await this.handler.prepare(entries));
    } catch (error) {
      // Isolating handles and finishes parts of this batch: not before the batch before is redone, should it have failed.
      if (!(await this.finished())) return "outage";
      return this.isolate(entries, classifyFailure(error));
    }
    if (!(await this.finished())) return "outage";
    this.finishing = (async () => {
      await this.finish(handled, entries.length);
      await this.settle(...this.sorted(entries, handled.rejected));
      return true;
    })().catch((error: unknown) => {
      this.options.logger.warn({ err: (error as Error).message, entries: entries.length }, "finishing a batch failed; it is read again");
      return false;
    });
    return "settled";
  }

  /**
   * Runs a handled batch's `finish`. While its dependencies are down the
   * finish itself is retried, not the batch: handling it again would push
   * its notifications a second time (they were pushed, their dispatch not
   * yet recorded). Any other failure, or one while stopping, is thrown.
   */
  private async finish(handled: HandledBatch, entries: number): Promise<void> {
    for (let attempt = 1; handled.finish; attempt++) {
      try {
        return await handled.finish();
      } catch (error) {
        const failure = classifyFailure(error);
        if (this.stopping || !(await this.isOutage(failure))) throw error;
        this.options.logger.warn({ err: failure.reason, entries, attempt }, "finishing a batch failed on an outage; retrying it");
        await sleep(backoffDelay(attempt, RETRY_BACKOFF));
      }
    }
  }

  /** Waits for the batch still finishing, if any: false when it failed. */
  private async finished(): Promise<boolean> {
    const finishing = this.finishing;
    this.finishing = undefined;
    return finishing ? finishing : true;
  }

  /** A handled batch's entries: those to acknowledge, and those its handler rejected, with their reasons. */
  private sorted(
    entries: readonly StreamEntry[],
    rejected: readonly RejectedEntry[],
  ): [StreamEntry[], { entry: StreamEntry; reason: string; cause: DeadLetterCause }[]] {
    const reasons = new Map(rejected.map((r) => [r.id, r.reason]));
    return [
      entries.filter((e) => !reasons.has(e.id)),
      entries.filter((e) => reasons.has(e.id)).map((entry) => ({ entry, reason: reasons.get(entry.id)!, cause: "rejected" as const })),
    ];
  }

  /**
   * After a failed batch: waits out an outage; otherwise halves the batch
   * until the entries at fault are alone, so that every other entry is
   * handled now, in stream order, with a few more statements only for the
   * batch that failed. An entry alone with a data error is dead-lettered at
   * once; with an error of unknown kind it is parked and retried later.
   */
  private async isolate(entries: readonly StreamEntry[], failure: Failure): Promise<Outcome> {
    const { logger } = this.options;
    logger.warn({ err: failure.reason, kind: failure.kind, entries: entries.length }, "batch failed");
    if (this.stopping || (await this.isOutage(failure))) return "outage";
    if (entries.length === 1) {
      if (failure.kind === "data") {
        await this.settle([], [{ entry: entries[0]!, reason: failure.reason, cause: "data_error" }]);
        return "settled";
      }
      return this.recordFailure(entries[0]!, failure.reason);
    }
    const middle = Math.ceil(entries.length / 2);
    const first = await this.process(entries.slice(0, middle));
    if (first === "outage") return first;
    const second = await this.process(entries.slice(middle));
    if (second === "outage") return second;
    return first === "parked" || second === "parked" ? "parked" : "settled";
  }

  /** A failure that is not the entries' fault: a dependency said so, or one of unknown kind while they are down. */
  private async isOutage(failure: Failure): Promise<boolean> {
    if (failure.kind === "infrastructure") return true;
    return failure.kind === "unknown" && !(await this.options.dependenciesHealthy().catch(() => false));
  }

  private async recordFailure(entry: StreamEntry, reason: string): Promise<Outcome> {
    const failures = (this.failures.get(entry.id) ?? 0) + 1;
    this.failures.set(entry.id, failures);
    if (failures >= this.options.maxDeliveries) {
      await this.settle([], [{ entry, reason, cause: "retries_exhausted" }]);
      return "settled";
    }
    const due = Date.now() + backoffDelay(failures, RETRY_BACKOFF);
    this.retryParkedAt = Math.min(this.retryParkedAt ?? due, due);
    return "parked";
  }

  /** Acknowledges handled entries and moves dead letters aside, in one round trip. */
  private async settle(
    handled: readonly StreamEntry[],
    deadLetters: readonly { entry: StreamEntry; reason: string; cause: DeadLetterCause }[],
  ): Promise<void> {
    const { stream, group, deadLetterStream, logger } = this.options;
    const transaction = this.redis.multi();
    for (const { entry, reason } of deadLetters) {
      transaction.xadd(deadLetterStream, "*", "entryId", entry.id, "reason", reason, ...Object.entries(entry.fields).flat());
      logger.error({ entryId: entry.id, reason }, "stream entry dead-lettered");
    }
    const ids = [...handled, ...deadLetters.map((d) => d.entry)].map((e) => e.id);
    if (ids.length > 0) transaction.xack(stream, group, ...ids);
    await transaction.exec();
    for (const id of ids) this.failures.delete(id);
    for (const { cause, reason } of deadLetters) this.options.onDeadLetter?.(cause, reason);
  }

  private async housekeeping(): Promise<Outcome> {
    const now = Date.now();
    let outcome: Outcome = "settled";
    if (now - this.lastClaimAt >= Math.max(this.options.claimIdleMs / 2, 250)) {
      this.lastClaimAt = now;
      outcome = await this.reclaim();
    }
    if (now - this.lastTrimAt >= (this.options.trimIntervalMs ?? 5_000)) {
      this.lastTrimAt = now;
      await this.trimAcknowledged();
      await this.forgetDeadConsumers();
    }
    return outcome;
  }

  /**
   * Routers that went for good (a replaced pod, a scaled-down replica) leave
   * their names behind. Names with nothing pending and no activity for a
   * long while are removed (entries they held were reclaimed already, or
   * they would still be pending).
   */
  private async forgetDeadConsumers(): Promise<void> {
    const { stream, group, consumer, claimIdleMs } = this.options;
    const consumers = (await this.redis.xinfo("CONSUMERS", stream, group)) as unknown[][];
    const forgetAfterMs = this.options.forgetIdleConsumersAfterMs ?? Math.max(claimIdleMs * 10, 600_000);
    for (const info of consumers) {
      const field = (name: string) => info[info.indexOf(name) + 1];
      const name = String(field("name"));
      if (name !== consumer && Number(field("pending")) === 0 && Number(field("idle")) > forgetAfterMs) {
        await this.redis.xgroup("DELCONSUMER", stream, group, name);
      }
    }
  }

  /** Takes over entries that a dead consumer left pending, and processes them. */
  private async reclaim(): Promise<Outcome> {
    const { stream, group, consumer, claimIdleMs, batchSize, logger } = this.options;
    let outcome: Outcome = "settled";
    let cursor = "0-0";
    do {
      const [next, raw] = (await this.redis.xautoclaim(stream, group, consumer, claimIdleMs, cursor, "COUNT", batchSize)) as [
        string,
        RawEntry[],
        string[]?,
      ];
      cursor = next;
      const entries = raw.map(toEntry).filter((e): e is StreamEntry => e !== undefined);
      if (entries.length > 0) {
        logger.info({ entries: entries.length }, "reclaimed entries from a stalled consumer");
        const result = await this.process(entries);
        if (result === "outage") return result;
        if (result === "parked") outcome = result;
      }
    } while (cursor !== "0-0" && !this.stopping);
    return outcome;
  }

  /**
   * Deletes the entries every group (this one and each `@herald/sdk`
   * subscriber's) is done with, and those past retention whatever the
   * groups say, so the stream holds what someone still needs and no more.
   */
  private async trimAcknowledged(): Promise<void> {
    const { stream, group, retentionMs } = this.options;
    const infos = (await this.redis.xinfo("GROUPS", stream)) as unknown[][];
    // Without our own group (Redis lost it), trimming waits for the group to be re-created.
    if (!infos.some((g) => g[g.indexOf("name") + 1] === group)) return;
    const names = infos.map((g) => String(g[g.indexOf("name") + 1]));
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.xpending(stream, name);
    const summaries = (await pipeline.exec()) ?? [];
    // A group whose pending entries could not be read keeps everything: trimming waits a round.
    if (summaries.length !== names.length || summaries.some(([error]) => error)) return;
    const positions: GroupPosition[] = infos.map((g, i) => {
      const [count, oldest] = summaries[i]![1] as [number, string | null];
      return { name: names[i]!, lastDelivered: String(g[g.indexOf("last-delivered-id") + 1]), oldestPending: count > 0 ? oldest : null };
    });
    await this.redis.xtrim(stream, "MINID", streamTrimPoint(positions, `${Math.max(0, Date.now() - retentionMs)}-0`));
  }
}
