import { backoffDelay } from "@herald/contract";
import { HeraldPublishError, type HeraldPublisher } from "@herald/sdk";
import type { Logger } from "@herald/runtime";
import type { DiskOutbox } from "./outbox";

export interface OutboxSenderOptions {
  /** Longest wait between attempts while ingest is unreachable. */
  readonly retryMaxMs: number;
  /** First wait after a failure; doubles up to retryMaxMs. */
  readonly retryInitialMs?: number;
  readonly batchSize?: number;
  readonly logger: Logger;
}

export interface OutboxStatus {
  readonly pending: number;
  readonly dropped: number;
  readonly rejected: number;
  readonly delivered: number;
  readonly lastDeliveredAt?: string;
  readonly lastError?: { readonly at: string; readonly code: string; readonly status?: number; readonly message: string };
}

/**
 * Drains the outbox into ingest, oldest first, one batch at a time: a batch
 * is enqueued by ingest whole or not at all, so order holds across retries.
 * While ingest is unreachable (or refuses the token) events stay on disk and
 * the sender backs off; an event ingest rejects as invalid is logged and
 * dropped, since no retry can make it valid.
 */
export class OutboxSender {
  private running?: Promise<void>;
  private readonly stopping = new AbortController();
  private wake?: () => void;
  private failures = 0;
  private delivered = 0;
  private rejected = 0;
  private lastDeliveredAt?: string;
  private lastError?: OutboxStatus["lastError"];

  constructor(
    private readonly outbox: DiskOutbox,
    private readonly client: HeraldPublisher,
    private readonly options: OutboxSenderOptions,
  ) {}

  /** Starts draining if not already; cuts short a back-off wait. */
  kick(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      // While ingest is failing the back-off stands; new events just join the queue.
      if (this.failures === 0) this.wake?.();
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // Events appended while the last batch was in flight.
      if (this.outbox.size > 0 && !this.stopping.signal.aborted && this.failures === 0) this.kick();
    });
  }

  status(): OutboxStatus {
    return {
      pending: this.outbox.size,
      dropped: this.outbox.dropped,
      rejected: this.rejected,
      delivered: this.delivered,
      ...(this.lastDeliveredAt !== undefined && { lastDeliveredAt: this.lastDeliveredAt }),
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }

  /** Stops after the request in flight is aborted; what is left stays on disk for the next start. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.running;
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 100;
    // After an invalid batch, events go one by one so that only the bad one is dropped.
    let singles = 0;
    while (this.outbox.size > 0 && !this.stopping.signal.aborted) {
      const entries = await this.outbox.peek(singles > 0 ? 1 : batchSize);
      if (entries.length === 0) continue;
      try {
        await this.client.publishBatch(
          entries.map((e) => e.event),
          { signal: this.stopping.signal },
        );
        await this.outbox.remove(entries.map((e) => e.seq));
        this.delivered += entries.length;
        this.lastDeliveredAt = new Date().toISOString();
        if (this.failures > 0)
          this.options.logger.info({ pending: this.outbox.size }, "ingest reachable again: delivering buffered events");
        this.failures = 0;
        if (singles > 0) singles -= 1;
      } catch (error) {
        if (!(error instanceof HeraldPublishError)) throw error;
        if (error.code === "aborted") return;
        this.lastError = {
          at: new Date().toISOString(),
          code: error.code,
          message: error.message,
          ...(error.status !== undefined && { status: error.status }),
        };
        if (isInvalid(error)) {
          if (entries.length > 1) {
            singles = entries.length;
            continue;
          }
          this.rejected += 1;
          this.options.logger.error(
            { err: error.message, code: error.code, details: error.details, event: entries[0]!.event },
            "ingest rejected an event: dropped",
          );
          await this.outbox.remove(entries.map((e) => e.seq));
          if (singles > 0) singles -= 1;
          continue;
        }
        this.failures += 1;
        const delayMs = backoffDelay(this.failures, {
          initialMs: this.options.retryInitialMs ?? 500,
          maxMs: this.options.retryMaxMs,
          jitter: "equal",
        });
        if (this.failures === 1 || !error.retryable) {
          this.options.logger.warn(
            { err: error.message, code: error.code, status: error.status, pending: this.outbox.size },
            "cannot deliver to ingest: buffering on disk",
          );
        }
        await this.pause(delayMs);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

/**
 * Ingest refused the content itself, which no retry changes (409: another
 * producer took the event's id, and would keep it for as long as the
 * monitor retried, holding back every alert after it). Everything else
 * that is not retryable (401/403 token problems, 404 from a wrong
 * INGEST_URL) is an operator's to fix, and the events must still be there
 * when they have.
 */
const INVALID_CONTENT = new Set([400, 409, 413, 422]);
function isInvalid(error: HeraldPublishError): boolean {
  return error.status !== undefined && INVALID_CONTENT.has(error.status);
}
