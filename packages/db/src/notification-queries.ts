import { Prisma } from "./generated/prisma/client";
import type { Database } from "./client";

/**
 * SQL condition for "unread and visible in the notification center": in-app,
 * not waiting for DND or a digest. Matches VISIBLE_STATUSES in @herald/core.
 */
export const VISIBLE_UNREAD = Prisma.sql`NOT is_read AND status IN ('pending', 'released', 'delivered', 'digested') AND 'in_app' = ANY(channels)`;

/**
 * Records that rows were pushed. The commit skips waiting for the WAL flush
 * (synchronous_commit off, for this statement's transaction only): should
 * Postgres crash before the flush, the cost is one repeated push of these
 * rows, never a lost notification.
 */
export async function markPushed(db: Database, notificationIds: readonly number[]): Promise<void> {
  if (notificationIds.length === 0) return;
  await db.$executeRaw`
    UPDATE notifications SET status = 'delivered', is_delivered = true, delivered_at = now()
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
    WHERE id = ANY(${notificationIds.map(String)}::bigint[]) AND status IN ('pending', 'released')`;
}

/** Unread, visible notifications per user. */
export async function unreadCounts(db: Database, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ user_id: string; n: bigint }[]>`
    SELECT user_id, count(*) AS n FROM notifications
    WHERE user_id = ANY(${[...userIds]}::text[]) AND ${VISIBLE_UNREAD}
    GROUP BY user_id`;
  const counts = new Map(userIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.user_id, Number(row.n));
  return counts;
}
