import type { Queue } from "bullmq";
import { SCHEDULER_JOBS } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";

/** Whether the tick's job scheduler exists on `queue`: a readiness check. */
export async function tickScheduled(queue: Queue): Promise<boolean> {
  return (await queue.getJobScheduler(SCHEDULER_JOBS.tick)) !== undefined;
}

/**
 * The BullMQ job scheduler that makes the tick. It lives in Redis, so a Redis
 * restarted without its data (or flushed) loses it, and with it every digest
 * and every DND release that waits for a time to pass. Each replica checks
 * once per tick interval and puts it back when it is missing: a lost schedule
 * costs at most a couple of ticks, without anyone restarting the scheduler.
 */
export class TickSchedule {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: Queue,
    private readonly tickMs: number,
    private readonly logger: Logger,
  ) {}

  /** Asserts the schedule now, then every tick interval until stop(). */
  async start(): Promise<void> {
    await this.ensure();
    this.timer = setInterval(() => {
      this.ensure().then(
        (created) => created && this.logger.warn("the tick's job scheduler was missing (Redis lost its data?); re-created it"),
        (error: Error) => this.logger.warn({ err: error.message }, "cannot check the tick's job scheduler"),
      );
    }, this.tickMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Creates the job scheduler when it is missing. One that exists is left
   * alone: upserting it while its tick runs would queue the next one early.
   * Replicas that both find it missing both upsert, which BullMQ makes one
   * schedule with one next job. Returns whether it had to create it.
   */
  async ensure(): Promise<boolean> {
    if (await tickScheduled(this.queue)) return false;
    await this.queue.upsertJobScheduler(
      SCHEDULER_JOBS.tick,
      { every: this.tickMs },
      { name: SCHEDULER_JOBS.tick, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    return true;
  }
}
