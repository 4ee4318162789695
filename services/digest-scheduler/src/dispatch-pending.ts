import type { EventCategory, EventTypeName } from "@herald/core";
import { markPushed, unreadCounts, type Database } from "@herald/db";
import type { NotificationPusher, PendingPush } from "@herald/dispatch";

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
  payload: Record<string, unknown> | null;
}

/**
 * Pushes a user's notifications that the scheduler owns and has not yet
 * dispatched (DND releases, digests), oldest first, then records the push.
 * Safe to repeat after a crash: only rows still undispatched are sent.
 */
export async function dispatchPending(db: Database, pusher: NotificationPusher, userId: string, kind: "released" | "digest"): Promise<number> {
  const rows =
    kind === "released"
      ? await db.$queryRaw<Row[]>`
          SELECT n.id, n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, n.created_at,
                 COALESCE(n.payload, e.payload) AS payload
          FROM notifications n LEFT JOIN events e ON e.id = n.event_id
          WHERE n.user_id = ${userId} AND n.status = 'released' AND 'in_app' = ANY(n.channels) ORDER BY n.id`
      : await db.$queryRaw<Row[]>`
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, payload
          FROM notifications
          WHERE user_id = ${userId} AND status = 'pending' AND event_id IS NULL AND 'in_app' = ANY(channels) ORDER BY id`;
  if (rows.length === 0) return 0;
  const inApp = rows.map(toPendingPush);
  await pusher.push(inApp, await unreadCounts(db, [userId]));
  await markPushed(db, inApp.map((p) => p.id));
  return rows.length;
}

function toPendingPush(row: Row): PendingPush {
  return {
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
