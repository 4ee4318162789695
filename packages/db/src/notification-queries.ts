import { Prisma } from "./generated/prisma/client";
import type { Database } from "./client";

/**
 * SQL condition for "unread and visible in the notification center": in-app,
 * not waiting for DND or a digest. Matches VISIBLE_STATUSES (notification-status.ts).
 */
export const VISIBLE_UNREAD = Prisma.sql`NOT is_read AND status IN ('pending', 'released', 'delivered', 'digested') AND 'in_app' = ANY(channels)`;

/**
 * Records that rows were dispatched: pushed in-app and their external
 * deliveries queued. The commit skips waiting for the WAL flush
 * (synchronous_commit off, for this statement's transaction only): should
 * Postgres crash before the flush, the cost is one repeated push of these
 * rows, never a lost notification.
 */
export async function markDispatched(db: Database, notificationIds: readonly number[]): Promise<void> {
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

export interface QueuedDelivery {
  readonly id: string;
  readonly channel: "email" | "webhook";
  readonly round: number;
}

/**
 * Creates a delivery row per external channel of each notification, once
 * (the (notification, channel) key makes a repeat a no-op), and returns every
 * delivery of these notifications still queued, whether created now or by an
 * attempt that died before enqueueing its jobs.
 */
export async function createDeliveries(db: Database, notificationIds: readonly number[]): Promise<QueuedDelivery[]> {
  if (notificationIds.length === 0) return [];
  const ids = notificationIds.map(String);
  const rows = await db.$queryRaw<{ id: bigint; channel: "email" | "webhook"; round: number }[]>`
    WITH created AS (
      INSERT INTO deliveries (notification_id, user_id, channel)
      SELECT n.id, n.user_id, c.channel
      FROM notifications n CROSS JOIN LATERAL unnest(n.channels) AS c(channel)
      WHERE n.id = ANY(${ids}::bigint[]) AND c.channel IN ('email', 'webhook')
      ORDER BY n.id
      ON CONFLICT (notification_id, channel) DO NOTHING
      RETURNING id, channel, round
    )
    SELECT id, channel, round FROM created
    UNION ALL
    SELECT id, channel, round FROM deliveries WHERE notification_id = ANY(${ids}::bigint[]) AND status = 'queued'
    ORDER BY id`;
  return rows.map((r) => ({ id: String(r.id), channel: r.channel, round: r.round }));
}
