import { deliveryJobId, deliveryQueue, type DeliveryEnqueuer, type DeliveryQueues } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { DeliveryStore, JobGone, StaleDelivery, SweepCursor } from "./delivery-store";
import { sweepAction } from "./sweep-action";
import type { ReplayChain } from "./replay-chain";

export interface SweeperOptions {
  /** Time between sweeps. */
  readonly intervalMs: number;
  /** A queued delivery is looked at once nothing has touched it for this long. */
  readonly ageMs: number;
  /** Deliveries looked at per sweep at most. */
  readonly batch: number;
}

export interface SweepReport {
  readonly checked: number;
  readonly requeued: number;
  readonly deadLettered: number;
}

/**
 * The safety net under every other path: finds deliveries left queued with
 * no job that will ever run them (the job never reached Redis, was lost
 * with it, failed where nobody dead-lettered its delivery) and puts each
 * back on its queue or dead-letters it with the reason. Each sweep reads one
 * page of stale queued rows (one statement), asks Redis for their jobs'
 * states (pipelined), adds the missing jobs under their deterministic ids
 * (one round trip) and dead-letters the dead ones (one statement). Any
 * number of worker replicas may sweep at once: re-adding an existing job id
 * is a no-op, and a dead letter is written only over a queued row of the
 * same round.
 */
export class DeliverySweeper {
  private cursor?: SweepCursor;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly store: DeliveryStore,
    private readonly queues: DeliveryQueues,
    private readonly enqueuer: DeliveryEnqueuer,
    private readonly replays: Pick<ReplayChain, "resumeStalled">,
    private readonly options: SweeperOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.schedule();
  }

  /** Stops sweeping, after the sweep under way if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep: the next page of stale queued deliveries (from the oldest again once the last page is done). */
  async sweep(): Promise<SweepReport> {
    // Replays whose next delivery was never queued (a worker died between two of them) go on.
    const resumed = await this.replays.resumeStalled(this.options.ageMs, this.options.batch);
    if (resumed > 0) this.logger.warn({ replays: resumed }, "sweeper resumed replays left with no delivery queued");
    const page = await this.store.staleQueued(this.options.ageMs, this.cursor, this.options.batch);
    this.cursor = page.next;
    if (page.rows.length === 0) return { checked: 0, requeued: 0, deadLettered: 0 };

    const jobs = await Promise.all(page.rows.map((row) => this.jobOf(row)));
    const requeue: StaleDelivery[] = [];
    const gone: JobGone[] = [];
    for (const { row, state, failedReason } of jobs) {
      const action = sweepAction(state, failedReason);
      if (action.kind === "requeue") requeue.push(row);
      else if (action.kind === "dead_letter") gone.push({ deliveryId: row.id, round: row.round, reason: action.reason });
    }
    if (requeue.length > 0) await this.enqueuer.enqueue(requeue);
    const deadLettered = await this.store.deadLetter(gone);
    const report = { checked: page.rows.length, requeued: requeue.length, deadLettered };
    if (report.requeued > 0 || report.deadLettered > 0) {
      this.logger.warn(
        { ...report, requeuedIds: requeue.map((r) => r.id), deadLetteredIds: gone.map((g) => g.deliveryId) },
        "sweeper found queued deliveries without a live job",
      );
    }
    return report;
  }

  private async jobOf(row: StaleDelivery) {
    const queue = deliveryQueue(this.queues, row.channel);
    const jobId = deliveryJobId(row.id, row.round);
    const state = await queue.getJobState(jobId);
    const failedReason = state === "failed" ? (await queue.getJob(jobId))?.failedReason : undefined;
    return { row, state, failedReason };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const sweep = this.sweep().catch((error: unknown) => {
        // Postgres or Redis is down: nothing is lost by trying again next time.
        this.logger.warn({ err: (error as Error).message }, "delivery sweep failed");
      });
      this.running = sweep;
      void sweep.finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
