/** Jobs on the scheduler queue (QUEUES.scheduler): what other services may ask the digest-scheduler to do. */
export const SCHEDULER_JOBS = {
  /** Periodic: find due digests and DND releases. */
  tick: "tick",
  /** Dispatch a user's held notifications, in order, if their DND is over. */
  releaseDnd: "release-dnd",
  /** Send a user's digest for a period if it is due (or at once with `flush`). */
  sendDigest: "send-digest",
} as const;

export interface ReleaseDndJob {
  readonly userId: string;
}

export interface SendDigestJob {
  readonly userId: string;
  /** End of the period (ISO): with the user id, it names the digest, so a retried job cannot send a second one. */
  readonly periodEnd: string;
  /** Send now whatever is waiting, due or not (digest mode was switched off). */
  readonly flush?: boolean;
}

/** BullMQ job ids may not contain ':'; user ids may. */
export function schedulerJobId(kind: string, ...parts: string[]): string {
  return [kind, ...parts.map(encodeURIComponent)].join("|");
}
