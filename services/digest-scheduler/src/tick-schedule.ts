import type { Queue } from "bullmq";
import type { Logger } from "@herald/runtime";

/** Whether the job scheduler `name` exists on `queue`: a readiness check. */
export async function tickScheduled(queue: Queue, name: string): Promise<boolean> {
  return (await queue.getJobScheduler(name)) !== undefined;
}

export interface PeriodicJob {
  /** The job scheduler's id and its jobs' name. */
  readonly name: string;
  /** How often the job runs. */
  readonly everyMs: number;
  /** How often each replica checks that the job scheduler still exists. */
  readonly checkEveryMs: number;
}

/**
 * A BullMQ job scheduler that makes a periodic job. It lives in Redis, so a
 * Redis restarted without its data (or flushed) loses it, and with it every
 * digest and every DND release that waits for a time to pass. Each replica
 * checks every `checkEveryMs` and puts it back when it is missing: a lost
 * schedule costs at most a couple of checks, without anyone restarting the
 * scheduler (and an hourly job is not left missing for an hour).
 */
export class TickSchedule {
  private timer?: NodeJS.Timeout;
  private readonly name: string;

  constructor(
    private readonly queue: Queue,
    private readonly job: PeriodicJob,
    private readonly logger: Logger,
  ) {
    this.name = job.name;
  }

  /** Asserts the schedule now, then every check interval until stop(). */
  async start(): Promise<void> {
    await this.ensure();
    this.timer = setInterval(() => {
      this.ensure().then(
        (created) =>
          created && this.logger.warn({ scheduler: this.name }, "a job scheduler was missing (Redis lost its data?); re-created it"),
        (error: Error) => this.logger.warn({ scheduler: this.name, err: error.message }, "cannot check a job scheduler"),
      );
    }, this.job.checkEveryMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Creates the job scheduler when it is missing. One that exists is left
   * alone: upserting it while its job runs would queue the next one early.
   * Replicas that both find it missing both upsert, which BullMQ makes one
   * schedule with one next job. Returns whether it had to create it.
   */
  async ensure(): Promise<boolean> {
    if (await tickScheduled(this.queue, this.name)) return false;
    await this.queue.upsertJobScheduler(
      this.name,
      { every: this.job.everyMs },
      { name: this.name, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    return true;
  }
}
