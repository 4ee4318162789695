/**
 * Routing state of a stored notification. pending: the router is to dispatch
 * it; released: DND ended and the scheduler is to dispatch it; delivered:
 * dispatched; held: waiting for DND to end; digest: waiting for the next
 * digest; digested: summarized in a digest; throttled: over its tenant's
 * per-user limit, stored and listed but not pushed or sent, until the
 * scheduler summarizes its window; summarized: told of in that summary;
 * silenced: a repeat of a hardware alert an admin acknowledged, stored and
 * listed but not pushed.
 */
export const NOTIFICATION_STATUSES = [
  "pending",
  "released",
  "delivered",
  "held",
  "digest",
  "digested",
  "throttled",
  "summarized",
  "silenced",
] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * Statuses a user sees in the notification center and unread count. The SQL
 * function herald_counts_as_unread (the unread-count triggers) repeats them:
 * a change here needs a migration that replaces it (test/unread-counts fails until then).
 */
export const VISIBLE_STATUSES: readonly NotificationStatus[] = [
  "pending",
  "released",
  "delivered",
  "digested",
  "throttled",
  "summarized",
  "silenced",
];
