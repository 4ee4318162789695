import type { Job } from "bullmq";
import type { DeliveryJob } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { DeliveryStore, JobGone } from "./delivery-store";

/** What a job that just failed leaves to do, from what BullMQ's 'failed' event hands over. */
export interface FailedJobFacts {
  readonly deliveryId: string;
  readonly round: number;
  /** Set by BullMQ once the job is in the failed set for good (not on a failure it retries). */
  readonly finishedOn?: number;
  readonly error: string;
}

/**
 * The dead letter a failed job leaves, or none while BullMQ still retries it.
 * Pure. Besides the processor's own last failure (whose delivery is already
 * dead-lettered, so this changes nothing), a job fails for good when it
 * stalled too often, when BullMQ refuses it, or on an error that is not a
 * send's: each must leave its delivery dead-lettered, never queued with no
 * job to run it.
 */
export function deadLetterOf(facts: FailedJobFacts): JobGone | undefined {
  if (facts.finishedOn === undefined) return undefined;
  return { deliveryId: facts.deliveryId, round: facts.round, reason: `its job failed for good: ${facts.error}` };
}

/** The workers' 'failed' listener: dead-letters the delivery of a job that failed for good. */
export function onJobFailed(store: DeliveryStore, logger: Logger) {
  return (job: Job<DeliveryJob> | undefined, error: Error): void => {
    if (!job) return;
    const gone = deadLetterOf({
      deliveryId: job.data.deliveryId,
      round: job.data.round ?? 0,
      finishedOn: job.finishedOn,
      error: error.message,
    });
    if (!gone) return;
    logger.error({ deliveryId: gone.deliveryId, round: gone.round, err: error.message }, "delivery dead-lettered");
    // Should Postgres not take it now, the sweeper finds the queued delivery with its failed job later.
    store.deadLetter([gone]).catch((writeError: unknown) => {
      logger.warn({ deliveryId: gone.deliveryId, err: (writeError as Error).message }, "could not dead-letter a failed job's delivery yet");
    });
  };
}
