import type { EventCategory, EventTypeName } from "@herald/core";
import { unreadCounts, type Database } from "@herald/db";
import type { Dispatcher, PendingNotification } from "@herald/dispatch";

interface Row {
  id: bigint;
  event_id: string | null;
  user_id: string;
  event_type: string;
  category: string;
  critical: boolean;
  title: string;
  body: string;
  created_at: Date;
  channels: string[];
  payload: Record<string, unknown> | null;
}

/**
 * Dispatches a user's notifications that the scheduler owns and has not yet
 * sent out (DND releases, digests), oldest first, on every channel they have.
 * Safe to repeat after a crash: only rows still undispatched are sent.
 */
export async function dispatchPending(db: Database, dispatcher: Dispatcher, userId: string, kind: "released" | "digest"): Promise<number> {
  const rows =
    kind === "released"
      ? await db.$queryRaw<Row[]>`
          SELECT n.id, n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, n.created_at, n.channels,
                 COALESCE(n.payload, e.payload) AS payload
          FROM notifications n LEFT JOIN events e ON e.id = n.event_id
          WHERE n.user_id = ${userId} AND n.status = 'released' ORDER BY n.id`
      : await db.$queryRaw<Row[]>`
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, payload
          FROM notifications
          WHERE user_id = ${userId} AND status = 'pending' AND event_id IS NULL ORDER BY id`;
  if (rows.length === 0) return 0;
  await dispatcher.dispatch(rows.map(toPendingNotification), await unreadCounts(db, [userId]));
  return rows.length;
}

function toPendingNotification(row: Row): PendingNotification {
  return {
    channels: row.channels,
    id: Number(row.id),
    eventId: row.event_id,
    userId: row.user_id,
    type: row.event_type as EventTypeName | "digest",
    category: row.category as EventCategory | "digest",
    critical: row.critical,
    title: row.title,
    body: row.body,
    payload: row.payload ?? {},
    createdAt: row.created_at.toISOString(),
  };
}
