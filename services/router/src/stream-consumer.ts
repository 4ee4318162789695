import type { Redis } from "ioredis";
import { backoffDelay } from "@herald/contract";
import type { Logger } from "@herald/runtime";

/** Waits after a failed round: 100 ms doubling to 5 s, without jitter (one consumer, nobody to spread from). */
const RETRY_BACKOFF = { initialMs: 100, maxMs: 5_000, jitter: "none" } as const;

export interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface RejectedEntry {
  readonly id: string;
  readonly reason: string;
}

/**
 * Processes a batch. Throwing leaves every entry pending (retried later);
 * returning rejects lets permanently bad entries go to the dead-letter stream.
 */
export type BatchHandler = (entries: readonly StreamEntry[]) => Promise<{ readonly rejected: readonly RejectedEntry[] }>;

export interface StreamConsumerOptions {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly deadLetterStream: string;
  readonly batchSize: number;
  readonly blockMs: number;
  /** Entries pending this long on another consumer are taken over (it died). */
  readonly claimIdleMs: number;
  /** Failures of one entry, while its dependencies are healthy, before it is dead-lettered. */
  readonly maxDeliveries: number;
  /** Whether the handler's dependencies are up: failures while they are down are not the entry's fault. */
  readonly dependenciesHealthy: () => Promise<boolean>;
  readonly logger: Logger;
  readonly trimIntervalMs?: number;
  /** Other consumers idle this long with nothing pending are removed from the group (default: 10 min, or 10 × claimIdleMs). */
  readonly forgetIdleConsumersAfterMs?: number;
}

type RawEntry = [id: string, fields: string[] | null];
type ReadReply = [stream: string, entries: RawEntry[]][] | null;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toEntry([id, fields]: RawEntry): StreamEntry | undefined {
  if (!fields) return undefined;
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return { id, fields: record };
}

/** The smallest stream id greater than `id`. */
function nextId(id: string): string {
  const [ms, seq] = id.split("-");
  return `${ms}-${BigInt(seq ?? "0") + 1n}`;
}

/**
 * A Redis Streams consumer-group member: reads new entries in batches, acks
 * them once handled, re-reads its own pending entries after a failure or a
 * restart, takes over entries left pending by dead consumers (XAUTOCLAIM),
 * dead-letters entries that keep failing, and trims acknowledged entries.
 */
export class StreamConsumer {
  private stopping = false;
  private running?: Promise<void>;
  private readonly failures = new Map<string, number>();
  private lastClaimAt = 0;
  private lastTrimAt = 0;

  constructor(
    /** Dedicated connection: it blocks in XREADGROUP. */
    private readonly reader: Redis,
    private readonly redis: Redis,
    private readonly options: StreamConsumerOptions,
    private readonly handle: BatchHandler,
  ) {}

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
    // Our own pending entries first: after a restart with the same consumer name they are ours to finish.
    let readHistory = true;
    // Consecutive failed rounds: each waits longer, so a Redis or Postgres outage is not hammered.
    let failures = 0;
    const backOff = () => sleep(backoffDelay(++failures, RETRY_BACKOFF));
    while (!this.stopping) {
      try {
        await this.housekeeping();
        const entries = await this.read(readHistory ? "0" : ">");
        if (readHistory && entries.length === 0) {
          readHistory = false;
          continue;
        }
        if (entries.length > 0) {
          const ok = await this.process(entries);
          if (!ok) {
            readHistory = true;
            await backOff();
            continue;
          }
        }
        failures = 0;
      } catch (error) {
        logger.warn({ err: (error as Error).message }, "stream consumer error; retrying");
        readHistory = true;
        await backOff();
      }
    }
  }

  private async read(from: "0" | ">"): Promise<StreamEntry[]> {
    const { stream, group, consumer, batchSize, blockMs } = this.options;
    const reply = (await (from === ">"
      ? this.reader.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "BLOCK", blockMs, "STREAMS", stream, ">")
      : this.reader.xreadgroup("GROUP", group, consumer, "COUNT", batchSize, "STREAMS", stream, "0"))) as ReadReply;
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
    return entries;
  }

  /** Returns false when the batch must be retried later. */
  private async process(entries: readonly StreamEntry[]): Promise<boolean> {
    const { logger } = this.options;
    try {
      const { rejected } = await this.handle(entries);
      const reasons = new Map(rejected.map((r) => [r.id, r.reason]));
      await this.settle(
        entries.filter((e) => !reasons.has(e.id)),
        entries.filter((e) => reasons.has(e.id)).map((entry) => ({ entry, reason: reasons.get(entry.id)! })),
      );
      return true;
    } catch (error) {
      logger.warn({ err: (error as Error).message, entries: entries.length }, "batch failed");
      if (!(await this.options.dependenciesHealthy().catch(() => false)) || entries.length === 1) {
        return entries.length === 1 ? this.recordFailure(entries[0]!, error as Error) : false;
      }
      // Dependencies are up, so some entry is at fault: isolate it.
      let allOk = true;
      for (const entry of entries) {
        if (this.stopping) return false;
        allOk = (await this.process([entry])) && allOk;
      }
      return allOk;
    }
  }

  private async recordFailure(entry: StreamEntry, error: Error): Promise<boolean> {
    if (!(await this.options.dependenciesHealthy().catch(() => false))) return false;
    const failures = (this.failures.get(entry.id) ?? 0) + 1;
    this.failures.set(entry.id, failures);
    if (failures < this.options.maxDeliveries) return false;
    await this.settle([], [{ entry, reason: error.message }]);
    return true;
  }

  /** Acknowledges handled entries and moves dead letters aside, in one round trip. */
  private async settle(handled: readonly StreamEntry[], deadLetters: readonly { entry: StreamEntry; reason: string }[]): Promise<void> {
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
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastClaimAt >= Math.max(this.options.claimIdleMs / 2, 250)) {
      this.lastClaimAt = now;
      await this.reclaim();
    }
    if (now - this.lastTrimAt >= (this.options.trimIntervalMs ?? 5_000)) {
      this.lastTrimAt = now;
      await this.trimAcknowledged();
      await this.forgetDeadConsumers();
    }
  }

  /**
   * Consumer names are per process, so every restart leaves a name behind.
   * Names with nothing pending and no activity for a long while are removed
   * (entries they held were reclaimed already, or they would still be pending).
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
  private async reclaim(): Promise<void> {
    const { stream, group, consumer, claimIdleMs, batchSize, logger } = this.options;
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
        if (!(await this.process(entries))) return;
      }
    } while (cursor !== "0-0" && !this.stopping);
  }

  /**
   * Deletes acknowledged entries so that XLEN measures the backlog (ingest's
   * back-pressure reads it). The router's group is the stream's only one.
   */
  private async trimAcknowledged(): Promise<void> {
    const { stream, group } = this.options;
    const [pending, groups] = await Promise.all([
      this.redis.xpending(stream, group) as Promise<[number, string | null, string | null, unknown]>,
      this.redis.xinfo("GROUPS", stream) as Promise<unknown[][]>,
    ]);
    const ours = groups.find((g) => g[g.indexOf("name") + 1] === group);
    if (!ours) return;
    const lastDelivered = String(ours[ours.indexOf("last-delivered-id") + 1]);
    const oldestPending = pending[0] > 0 ? pending[1] : null;
    await this.redis.xtrim(stream, "MINID", oldestPending ?? nextId(lastDelivered));
  }
}
