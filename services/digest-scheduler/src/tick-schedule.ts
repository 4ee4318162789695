import type { Queue } from "bullmq";
import { SCHEDULER_JOBS } from "@herald/dispatch";

/**
 * The BullMQ job scheduler that makes the tick: however many scheduler
 * replicas upsert it, one tick job exists per interval.
 */
export class TickSchedule {
  constructor(
    private readonly queue: Queue,
    private readonly tickMs: number,
  ) {}

  async start(): Promise<void> {
    await this.queue.upsertJobScheduler(
      SCHEDULER_JOBS.tick,
      { every: this.tickMs },
      { name: SCHEDULER_JOBS.tick, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
