/** One digested notification, as the digest lists it. */
export interface DigestItem {
  readonly notificationId: number;
  readonly eventId: string | null;
  readonly type: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
}

export interface DigestPayload {
  readonly from: string;
  readonly to: string;
  readonly counts: { readonly jobsCompleted: number; readonly jobsFailed: number; readonly awaitingReview: number; readonly total: number };
  /** The newest items, at most DIGEST_ITEM_LIMIT. */
  readonly items: readonly DigestItem[];
}

export const DIGEST_ITEM_LIMIT = 20;

/** Summarizes digested notifications (oldest first in, newest first out). Pure. */
export function buildDigest(items: readonly DigestItem[], from: Date, to: Date): DigestPayload {
  const count = (type: string) => items.filter((i) => i.type === type).length;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    counts: {
      jobsCompleted: count("job.completed"),
      jobsFailed: count("job.failed"),
      awaitingReview: count("review.submitted"),
      total: items.length,
    },
    items: [...items].sort((a, b) => b.notificationId - a.notificationId).slice(0, DIGEST_ITEM_LIMIT),
  };
}

export function digestTitle(payload: DigestPayload): string {
  return `Your digest: ${payload.counts.total} update${payload.counts.total === 1 ? "" : "s"}`;
}

export function digestBody(payload: DigestPayload): string {
  const { jobsCompleted, jobsFailed, awaitingReview, total } = payload.counts;
  const parts = [
    jobsCompleted && `${jobsCompleted} job${jobsCompleted === 1 ? "" : "s"} completed`,
    jobsFailed && `${jobsFailed} job${jobsFailed === 1 ? "" : "s"} failed`,
    awaitingReview && `${awaitingReview} item${awaitingReview === 1 ? "" : "s"} awaiting review`,
  ].filter(Boolean);
  const other = total - jobsCompleted - jobsFailed - awaitingReview;
  if (other > 0) parts.push(`${other} other update${other === 1 ? "" : "s"}`);
  return parts.join(", ");
}
