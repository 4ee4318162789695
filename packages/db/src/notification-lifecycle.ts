import type { ExternalChannel } from "@herald/contract";
import { Prisma } from "./generated/prisma/client";
import type { Database } from "./client";
import { VISIBLE_STATUSES } from "./notification-status";
import { toPendingNotification, type PendingNotification, type PendingNotificationRow } from "./pending-notification";

/**
 * The notifications table's lifecycle, in one place: every statement that
 * reads or moves a notification's status is here (the router's batch insert
 * aside, which writes each new row's first status), so the statuses and the
 * visibility and DND rules cannot drift between services.
 */

/** A transaction or the client: lifecycle steps that must commit with other writes take the caller's transaction. */
type Sql = Pick<Database, "$queryRaw" | "$executeRaw">;

/**
 * SQL condition for "visible in the notification center", read or not:
 * in-app, not waiting for DND or a digest (over unqualified columns of `notifications`).
 */
export const VISIBLE_NOTIFICATION = Prisma.sql`status IN (${Prisma.join([...VISIBLE_STATUSES])}) AND 'in_app' = ANY(channels)`;

/** SQL condition for "unread and visible in the notification center". */
export const VISIBLE_UNREAD = Prisma.sql`NOT is_read AND ${VISIBLE_NOTIFICATION}`;

/** The same visibility as a Prisma filter: a user's own rows that the notification center shows. */
export function visibleTo(userId: string) {
  return { userId, status: { in: [...VISIBLE_STATUSES] }, channels: { has: "in_app" } };
}

/**
 * SQL condition "DND is not on at `now`" over a settings row under `alias`,
 * also when the row is missing (a LEFT JOIN's NULLs: never in DND). The same
 * rule as isDndActive in the contract.
 */
export function dndOff(alias: "s" | "user_notification_settings", now: Date): Prisma.Sql {
  const a = Prisma.raw(alias);
  return Prisma.sql`NOT (COALESCE(${a}.dnd_enabled, false) AND (${a}.dnd_until IS NULL OR ${a}.dnd_until > ${now}))`;
}

/**
 * Records that rows were dispatched: pushed in-app and their external
 * deliveries queued. Only the version that was sent: a grouped row updated
 * since (its count grew: another batch, or another router, took an event
 * into it and is to push it) stays pending, or a crash before that push
 * would leave the update unsent for good. The commit skips waiting for the
 * WAL flush (synchronous_commit off, for this statement's transaction only):
 * should Postgres crash before the flush, the cost is one repeated push of
 * these rows, never a lost notification.
 */
export async function markDispatched(db: Database, sent: readonly Pick<PendingNotification, "id" | "count">[]): Promise<void> {
  if (sent.length === 0) return;
  // The rows by id alone, each one's count looked up by its id: a join with the (id, count) pairs let the
  // planner, once ANALYZE had seen no pending row, scan the table for the pending ones and compare each with
  // every pair (a nested loop: 2.4 s for a batch of 3,756 over 160,000 rows, against 0.15 s before the ANALYZE).
  const counts = Object.fromEntries(sent.map((s) => [String(s.id), s.count]));
  await db.$executeRaw`/* prepared */
    UPDATE notifications n SET status = 'delivered', is_delivered = true, delivered_at = now()
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
    WHERE n.id = ANY(${Object.keys(counts)}::bigint[]) AND n.status IN ('pending', 'released')
      AND n.count = (${JSON.stringify(counts)}::jsonb ->> n.id::text)::int`;
}

/** Unread, visible notifications per user (user_unread_counts: kept by triggers, read in one index lookup per user). */
export async function unreadCounts(db: Database, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ user_id: string; unread: number }[]>`
    SELECT user_id, unread FROM user_unread_counts WHERE user_id = ANY(${[...userIds]}::text[])`;
  const counts = new Map(userIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.user_id, row.unread);
  return counts;
}

export interface QueuedDelivery {
  readonly id: string;
  readonly channel: ExternalChannel;
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

/**
 * A user's notifications the scheduler owns and has not sent out yet, oldest
 * first: DND releases (`released`) or digests (pending rows of type digest;
 * not "no event": a row whose event retention deleted has none either).
 */
export async function scheduledPending(db: Database, userId: string, kind: "released" | "digest"): Promise<PendingNotification[]> {
  const rows =
    kind === "released"
      ? await db.$queryRaw<PendingNotificationRow[]>`
          SELECT n.id, n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, n.created_at, n.channels,
                 n.count, n.url, n.actions, COALESCE(n.payload, e.payload) AS payload
          FROM notifications n LEFT JOIN events e ON e.id = n.event_id
          WHERE n.user_id = ${userId} AND n.status = 'released' ORDER BY n.id`
      : await db.$queryRaw<PendingNotificationRow[]>`
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions, payload
          FROM notifications
          WHERE user_id = ${userId} AND status = 'pending' AND event_type = 'digest' ORDER BY id`;
  return rows.map(toPendingNotification);
}

/**
 * Ends a user's DND hold in one statement (none skipped, none released
 * twice): held rows become released, with fresh ids in their arrival order.
 * Nobody has seen their old ids (held rows are in no list, count or
 * catch-up), and with new ones a client that is offline at the release
 * still finds them in its catch-up from its last id: ids keep growing in the
 * order notifications reach the user.
 */
export async function releaseHeldRows(db: Sql, userId: string): Promise<number> {
  // The user's row is locked before the fresh ids are drawn, as routers lock it before theirs:
  // a user's ids grow in commit order (notification-writer.ts says why).
  return db.$executeRaw`
    WITH held AS (
      SELECT id, row_number() OVER (ORDER BY id) AS rn FROM notifications WHERE user_id = ${userId} AND status = 'held'
    ),
    owner AS (SELECT id FROM users WHERE id = ${userId} FOR UPDATE),
    fresh AS (
      SELECT new_id, row_number() OVER (ORDER BY new_id) AS rn
      FROM (SELECT nextval(pg_get_serial_sequence('notifications', 'id')) AS new_id FROM held CROSS JOIN owner) AS allocated
    )
    UPDATE notifications n SET id = fresh.new_id, status = 'released'
    FROM held JOIN fresh USING (rn)
    WHERE n.id = held.id AND n.status = 'held'`;
}

/** Users with notifications held for a DND that is over at `now`, or released and not yet sent. */
export async function usersWithReleasableHolds(db: Sql, now: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ user_id: string }[]>`
    SELECT DISTINCT n.user_id FROM notifications n
    LEFT JOIN user_notification_settings s ON s.user_id = n.user_id
    WHERE n.status IN ('held', 'released') AND ${dndOff("s", now)}`;
  return rows.map((r) => r.user_id);
}

/** A notification waiting for its user's digest. */
export interface DigestBoundRow {
  id: bigint;
  event_id: string | null;
  event_type: string;
  title: string;
  body: string;
  created_at: Date;
  channels: string[];
}

/** A user's notifications waiting for the digest of the period ending at `periodEnd`, oldest first, locked until the transaction ends. */
export function lockDigestBound(tx: Sql, userId: string, periodEnd: Date): Promise<DigestBoundRow[]> {
  return tx.$queryRaw<DigestBoundRow[]>`
    SELECT id, event_id, event_type, title, body, created_at, channels FROM notifications
    WHERE user_id = ${userId} AND status = 'digest' AND created_at <= ${periodEnd}
    ORDER BY id FOR UPDATE`;
}

export interface DigestNotification {
  readonly userId: string;
  readonly title: string;
  readonly body: string;
  readonly payload: unknown;
  readonly channels: readonly string[];
  /** Names the user's period: a second digest for it is not written. */
  readonly dedupeKey: string;
}

/**
 * Writes a digest (pending, for the scheduler to send) and marks the
 * notifications it summarizes digested: the digest stands for them, so they
 * show in the feed as already read. Run in the caller's transaction.
 */
export async function storeDigest(tx: Sql, digest: DigestNotification, summarizedIds: readonly bigint[]): Promise<void> {
  // Its id is drawn once the user's row is locked, as routers do (notification-writer.ts says why).
  await tx.$executeRaw`
    INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, payload, channels, status, dedupe_key)
    SELECT NULL, owner.id, 'digest', 'digest', false, ${digest.title}, ${digest.body},
           ${JSON.stringify(digest.payload)}::jsonb, ${[...digest.channels]}::text[], 'pending', ${digest.dedupeKey}
    FROM (SELECT id FROM users WHERE id = ${digest.userId} FOR UPDATE) AS owner
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`;
  await tx.$executeRaw`
    UPDATE notifications SET status = 'digested', is_read = true, read_at = now()
    WHERE id = ANY(${summarizedIds.map(String)}::bigint[])`;
}
