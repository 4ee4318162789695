import type { Queue } from "bullmq";
import { SCHEDULER_JOBS, schedulerJobId, type ReleaseDndJob, type SendDigestJob } from "@herald/dispatch";

/** Asks the digest-scheduler to act now rather than at its next tick. */
export class SchedulerClient {
  constructor(private readonly queue: Queue) {}

  async releaseDnd(userId: string): Promise<void> {
    const data: ReleaseDndJob = { userId };
    // One waiting release per user is enough; removed on completion so the next request can queue again.
    await this.queue.add(SCHEDULER_JOBS.releaseDnd, data, {
      jobId: schedulerJobId("release", userId),
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: 5,
      backoff: { type: "exponential", delay: 500 },
    });
  }

  async flushDigest(userId: string, now = new Date()): Promise<void> {
    const data: SendDigestJob = { userId, periodEnd: now.toISOString(), flush: true };
    await this.queue.add(SCHEDULER_JOBS.sendDigest, data, {
      jobId: schedulerJobId("digest", userId, data.periodEnd),
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: 5,
      backoff: { type: "exponential", delay: 500 },
    });
  }
}
