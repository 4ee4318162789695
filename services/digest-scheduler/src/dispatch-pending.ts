import { unreadCounts, type Database } from "@herald/db";
import { toPendingNotification, type Dispatcher, type PendingNotificationRow } from "@herald/dispatch";

/**
 * Dispatches a user's notifications that the scheduler owns and has not yet
 * sent out (DND releases, digests), oldest first, on every channel they have.
 * Safe to repeat after a crash: only rows still undispatched are sent.
 */
export async function dispatchPending(db: Database, dispatcher: Dispatcher, userId: string, kind: "released" | "digest"): Promise<number> {
  const rows =
    kind === "released"
      ? await db.$queryRaw<PendingNotificationRow[]>`
          SELECT n.id, n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, n.created_at, n.channels,
                 COALESCE(n.payload, e.payload) AS payload
          FROM notifications n LEFT JOIN events e ON e.id = n.event_id
          WHERE n.user_id = ${userId} AND n.status = 'released' ORDER BY n.id`
      : await db.$queryRaw<PendingNotificationRow[]>`
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, payload
          FROM notifications
          WHERE user_id = ${userId} AND status = 'pending' AND event_id IS NULL ORDER BY id`;
  if (rows.length === 0) return 0;
  await dispatcher.dispatch(rows.map(toPendingNotification), await unreadCounts(db, [userId]));
  return rows.length;
}
