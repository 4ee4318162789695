import type { NotificationMessage } from "@herald/contract";
import type { TestDatabase } from "../../support/database";
import type { ReceivedRequest } from "../../support/receivers";

/**
 * Counting what happened to the events a scenario published: which accepted
 * ones reached Postgres (once), which stored notifications reached their
 * users' sockets (once), which deliveries reached the webhook receiver.
 * Everything is counted from the real stores and receivers, not from logs.
 */

export interface StoreCensus {
  readonly accepted: number;
  /** Accepted events found in `events`. */
  readonly storedEvents: number;
  /** Accepted events missing from `events`. */
  readonly lostEvents: readonly string[];
  /** Events stored although ingest did not answer 202 (the request failed after Redis took it). */
  readonly storedUnaccepted: number;
  readonly expectedNotifications: number;
  readonly storedNotifications: number;
  /** Expected (event, user) pairs with no row. */
  readonly lostNotifications: number;
  /** Rows beyond the first per (event, user). */
  readonly duplicateRows: number;
  /** Notifications not yet dispatched (status pending). */
  readonly undispatched: number;
}

/**
 * `recipientsOf` names the users each accepted event must notify (the
 * scenario chose events with known routing); `idPrefix` limits the count to
 * one phase's events when several share a database.
 */
export async function storeCensus(
  db: TestDatabase,
  accepted: Iterable<string>,
  recipientsOf: (eventId: string) => readonly string[],
  idPrefix = "",
): Promise<StoreCensus> {
  const acceptedIds = new Set(accepted);
  const like = `${idPrefix.replace(/[\\%_]/g, "\\$&")}%`;
  const events = new Set((await db.query<{ id: string }>("SELECT id FROM events WHERE id LIKE $1", [like])).map((r) => r.id));
  const pairs = await db.query<{ event_id: string; user_id: string; n: number }>(
    "SELECT event_id, user_id, count(*)::int AS n FROM notifications WHERE event_id LIKE $1 GROUP BY event_id, user_id",
    [like],
  );
  const undispatched = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM notifications WHERE status = 'pending'"))[0]!.n;
  const rowsPerPair = new Map(pairs.map((p) => [`${p.event_id}\u0000${p.user_id}`, p.n]));
  let expectedNotifications = 0;
  let storedNotifications = 0;
  let lostNotifications = 0;
  let duplicateRows = 0;
  for (const eventId of acceptedIds) {
    for (const userId of recipientsOf(eventId)) {
      expectedNotifications += 1;
      const n = rowsPerPair.get(`${eventId}\u0000${userId}`) ?? 0;
      if (n === 0) lostNotifications += 1;
      storedNotifications += n;
      duplicateRows += Math.max(0, n - 1);
    }
  }
  return {
    accepted: acceptedIds.size,
    storedEvents: [...acceptedIds].filter((id) => events.has(id)).length,
    lostEvents: [...acceptedIds].filter((id) => !events.has(id)),
    storedUnaccepted: [...events].filter((id) => !acceptedIds.has(id)).length,
    expectedNotifications,
    storedNotifications,
    lostNotifications,
    duplicateRows,
    undispatched,
  };
}

export interface PushCensus {
  /** Stored in-app notifications of the watched users. */
  readonly expected: number;
  /** Of those, how many reached a socket of their user. */
  readonly pushed: number;
  /** Stored, never received. */
  readonly gaps: number;
  /** Receipts beyond the first of one notification id on one user's sockets. */
  readonly duplicates: number;
  /** Received ids out of increasing order (per user). */
  readonly outOfOrder: number;
}

/**
 * Compares the dispatched in-app rows of the watched users (digests included)
 * with what their sockets received (`received`: every receipt, in arrival order).
 */
export async function pushCensus(db: TestDatabase, received: ReadonlyMap<string, readonly NotificationMessage[]>): Promise<PushCensus> {
  const rows = await db.query<{ id: string; user_id: string }>(
    `SELECT id::text, user_id FROM notifications
     WHERE user_id = ANY($1::text[]) AND 'in_app' = ANY(channels) AND status = 'delivered'`,
    [[...received.keys()]],
  );
  let pushed = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const stored = new Map<string, Set<number>>();
  for (const row of rows) {
    const set = stored.get(row.user_id) ?? new Set<number>();
    set.add(Number(row.id));
    stored.set(row.user_id, set);
  }
  for (const [userId, messages] of received) {
    const seen = new Map<number, number>();
    let last = 0;
    for (const m of messages) {
      seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
      if (m.id < last) outOfOrder += 1;
      last = Math.max(last, m.id);
    }
    for (const id of stored.get(userId) ?? []) {
      const n = seen.get(id) ?? 0;
      if (n > 0) pushed += 1;
      duplicates += Math.max(0, n - 1);
    }
  }
  return { expected: rows.length, pushed, gaps: rows.length - pushed, duplicates, outOfOrder };
}

export interface WebhookCensus {
  readonly deliveries: number;
  readonly delivered: number;
  readonly queued: number;
  readonly deadLettered: number;
  readonly requests: number;
  /** Deliveries whose requests did not all carry one webhook-id. */
  readonly unstableIds: number;
  /** 2xx answers beyond the first per webhook-id: what the receiver had to drop as repeats. */
  readonly repeats: number;
  /** Delivered rows whose webhook-id was never answered 2xx by the receiver. */
  readonly deliveredUnseen: number;
}

/** `answers[i]` is the status the receiver gave `requests[i]`; `users` limits the count to their deliveries. */
export async function webhookCensus(
  db: TestDatabase,
  requests: readonly ReceivedRequest[],
  answers: readonly (number | "hang")[],
  users?: readonly string[],
): Promise<WebhookCensus> {
  const rows = await db.query<{ id: string; status: string; notification_id: string }>(
    `SELECT id::text, status, notification_id::text FROM deliveries
     WHERE channel = 'webhook' AND ($1::text[] IS NULL OR user_id = ANY($1::text[]))`,
    [users ?? null],
  );
  const idsPerNotification = new Map<string, Set<string>>();
  const okPerWebhookId = new Map<string, number>();
  requests.forEach((request, i) => {
    const webhookId = String(request.headers["webhook-id"]);
    const notificationId = String((JSON.parse(request.body) as { notification: { id: number } }).notification.id);
    const ids = idsPerNotification.get(notificationId) ?? new Set<string>();
    ids.add(webhookId);
    idsPerNotification.set(notificationId, ids);
    const status = answers[i] ?? 0;
    if (typeof status === "number" && status >= 200 && status < 300)
      okPerWebhookId.set(webhookId, (okPerWebhookId.get(webhookId) ?? 0) + 1);
  });
  const okNotifications = new Set(
    [...idsPerNotification].filter(([, ids]) => [...ids].some((id) => okPerWebhookId.has(id))).map(([notificationId]) => notificationId),
  );
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  return {
    deliveries: rows.length,
    delivered: count("delivered"),
    queued: count("queued"),
    deadLettered: count("dead_lettered"),
    requests: requests.length,
    unstableIds: [...idsPerNotification.values()].filter((ids) => ids.size > 1).length,
    repeats: [...okPerWebhookId.values()].reduce((sum, n) => sum + n - 1, 0),
    deliveredUnseen: rows.filter((r) => r.status === "delivered" && !okNotifications.has(r.notification_id)).length,
  };
}
