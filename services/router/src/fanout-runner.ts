import { parseStreamEvent } from "@herald/contract/schemas";
import { backoffDelay } from "@herald/contract";
import type { Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { FanoutRecipients } from "./fanout-recipients";
import type { Executes, FanoutStore } from "./fanout-store";
import { classifyFailure } from "./classify-failure";
import type { NotificationWriter, PersistedBatch } from "./notification-writer";
import type { RecipientDirectory } from "./recipient-directory";
import type { RouterMetrics } from "./router-metrics";
import { mergeGroupedDrafts, routeToCandidates, type NotificationDraft } from "./route-event";

export interface FanoutRunnerOptions {
  readonly db: Database;
  readonly store: NotificationWriter;
  readonly fanouts: FanoutStore;
  readonly recipients: FanoutRecipients;
  readonly directory: RecipientDirectory;
  readonly dispatcher: Dispatcher;
  readonly metrics: RouterMetrics;
  readonly logger: Logger;
  /** ROUTER_FANOUT_CHUNK: recipients per chunk. */
  readonly chunkSize: number;
  /** ROUTER_MAX_DELIVERIES: failures of one fan-out's chunk with an error of unknown kind before it is given up. */
  readonly maxFailures: number;
  /** How long it waits, with nothing to do, before looking again (a sibling's lease may have run out). */
  readonly idleMs: number;
  readonly now?: () => Date;
}

/** What one chunk's transaction committed, to push once it has. */
interface Written {
  readonly eventId: string;
  readonly persisted: PersistedBatch;
  readonly drafts: readonly NotificationDraft[];
  /** The last round: nothing left to write, only what a crash left unpushed. */
  readonly last: boolean;
}

/** Waits after a failed chunk (Postgres or Redis down): 100 ms doubling to 5 s, as the stream consumer's. */
const RETRY_BACKOFF = { initialMs: 100, maxMs: 5_000, jitter: "none" } as const;

/** An interactive transaction may last this long (a chunk on a loaded Postgres), and wait this long for a connection. */
const CHUNK_TRANSACTION = { timeout: 60_000, maxWait: 10_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes large fan-outs a chunk at a time, beside the stream consumer (both
 * loops share the process, so other events' batches go on between chunks).
 * Per chunk, in one transaction: hold the fan-out row, take the next
 * ROUTER_FANOUT_CHUNK recipients after its cursor, store their notifications
 * and decisions (the writer's one statement), move the cursor. After the
 * commit, it pushes what the chunk stored, as a batch does after its
 * statement. A router that dies mid-chunk rolls the chunk back: the restart
 * writes it again from the same cursor. One that dies after a commit and
 * before the push leaves those rows pending: the next chunk's statement
 * finds them ("stored earlier, not yet pushed") and pushes them, and when the
 * cursor is at the end a last round does only that before the fan-out is
 * marked finished. So each recipient gets one notification row, and a push
 * repeats only if the router dies between pushing and recording it, as for
 * any batch.
 */
export class FanoutRunner {
  private stopping = false;
  private running?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  /** The fan-out of the chunk in hand, for a failure to name. */
  private current?: string;

  constructor(private readonly options: FanoutRunnerOptions) {}

  start(): void {
    this.running = this.loop();
  }

  /** Finishes the chunk in hand, then lets the lease go so a sibling may go on at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    await this.options.fanouts.release().catch(() => undefined);
  }

  /** A fan-out was accepted: start on it now. */
  readonly wake = (): void => {
    this.woken = true;
    this.wakeUp?.();
  };

  private async loop(): Promise<void> {
    const { logger, idleMs } = this.options;
    let failures = 0;
    let unknownFailures = 0;
    while (!this.stopping) {
      try {
        const worked = await this.step();
        failures = 0;
        unknownFailures = 0;
        if (!worked) await this.idle(idleMs);
      } catch (error) {
        const failure = classifyFailure(error);
        failures += 1;
        if (failure.kind === "unknown") unknownFailures += 1;
        // Its content (the same for every recipient) cannot be stored or pushed, now or ever, or it failed
        // ROUTER_MAX_DELIVERIES times for no known reason: as a batch dead-letters such an entry, the
        // fan-out ends here, with what was stored so far left listed, and the fan-outs behind it go on.
        const hopeless = failure.kind === "data" || unknownFailures >= this.options.maxFailures;
        if (hopeless && this.current !== undefined) {
          logger.error({ eventId: this.current, err: failure.reason, kind: failure.kind }, "fan-out given up; finished where it stopped");
          await this.options.fanouts.finish(this.current).catch(() => undefined);
          failures = 0;
          unknownFailures = 0;
          continue;
        }
        logger.warn({ err: failure.reason, kind: failure.kind }, "fan-out chunk failed; retrying");
        await sleep(backoffDelay(failures, RETRY_BACKOFF));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.woken = false;
        done();
      };
    });
  }

  /** One chunk of the oldest fan-out this router may write, pushed; false when there was none. */
  private async step(): Promise<boolean> {
    const { db, dispatcher, fanouts, recipients, metrics, logger, now = () => new Date() } = this.options;
    const began = performance.now();
    this.current = undefined;
    const written = await db.$transaction((tx) => this.writeChunk(tx, now()), CHUNK_TRANSACTION);
    if (!written) return false;
    await dispatcher.dispatch(written.persisted.pending, written.persisted.unreadCounts);
    if (written.last) {
      await fanouts.finish(written.eventId);
      recipients.forget(written.eventId);
      logger.info({ eventId: written.eventId }, "fan-out finished");
    }
    metrics.batchRouted(written.last ? 1 : 0, written.drafts, (performance.now() - began) / 1000);
    return true;
  }

  private async writeChunk(tx: Executes, at: Date): Promise<Written | undefined> {
    const { store, fanouts, recipients, directory, chunkSize, logger } = this.options;
    const job = await fanouts.claim(tx);
    if (!job) return undefined;
    this.current = job.eventId;
    const event = parseStreamEvent(job.event);
    const writer = store.within(tx);
    if (!event) {
      // Accepted from a parsed entry, so this is not expected; finishing it beats retrying it forever.
      logger.error({ eventId: job.eventId }, "fan-out event cannot be parsed; finished without recipients");
      return { eventId: job.eventId, persisted: { pending: [], unreadCounts: new Map(), idConflicts: new Set() }, drafts: [], last: true };
    }
    const chunk = recipients.after(event, await directory.refresh(), job.cursor, chunkSize);
    if (chunk.size === 0) {
      await fanouts.hold(tx, job.eventId);
      return { eventId: job.eventId, persisted: await writer.persist([event], [], [], at), drafts: [], last: true };
    }
    const profileOf = await directory.profilesFor(chunk.keys(), { keep: false });
    const { drafts, decisions } = mergeGroupedDrafts(routeToCandidates(event, chunk, profileOf, at));
    const persisted = await writer.persist([event], drafts, decisions, at, { freshEventIds: [event.id] });
    await fanouts.advance(tx, job.eventId, [...chunk.keys()].at(-1)!, chunk.size);
    return { eventId: job.eventId, persisted, drafts, last: false };
  }
}
