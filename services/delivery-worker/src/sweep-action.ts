import type { JobState } from "bullmq";

export type SweepAction =
  { readonly kind: "leave" } | { readonly kind: "requeue" } | { readonly kind: "dead_letter"; readonly reason: string };

/**
 * What the sweeper does with a delivery still queued long after anything
 * touched it, given the state of its job (the one of its round; BullMQ's
 * Queue.getJobState, "unknown" when there is no such job). Pure.
 * - A job that will run, or is running (a dead worker's job comes back
 *   through BullMQ's stalled check), is left alone.
 * - No job at all (never added, or lost with Redis): the job is added
 *   again, under the same id, so a late add by the router changes nothing.
 * - A job that failed for good, or completed without the delivery
 *   recording an outcome, will never run again: the delivery is
 *   dead-lettered with the reason, for an operator to retry.
 */
export function sweepAction(state: JobState | "unknown", failedReason?: string): SweepAction {
  switch (state) {
    case "unknown":
      return { kind: "requeue" };
    case "failed":
      return { kind: "dead_letter", reason: `its job failed for good: ${failedReason || "no reason recorded"}` };
    case "completed":
      return { kind: "dead_letter", reason: "its job completed without recording an outcome" };
    default:
      return { kind: "leave" };
  }
}
