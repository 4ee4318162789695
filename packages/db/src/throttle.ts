import type { Database } from "./client";
import { toPendingNotification, type PendingNotification, type PendingNotificationRow } from "./pending-notification";

/**
 * The per-user throttle's side of the lifecycle: the router stores what is over
 * a tenant's limit as `throttled` (listed and counted, not pushed or sent);
 * once its window is over the scheduler summarizes it in one notification of
 * type `throttled` per user and window, and marks it `summarized`.
 */

/** The start of the throttle window `now` falls in: windows are fixed, `windowMs` long, from the epoch. */
export function throttleWindowStart(now: Date, windowMs: number): Date {
  return new Date(Math.floor(now.getTime() / windowMs) * windowMs);
}

/**
 * Summarizes up to `batch` throttled notifications of windows over at `now`,
 * in one statement: they become `summarized`, and each user's window gets
 * (or adds to, when a window takes several batches) its `throttled` summary,
 * pending for the scheduler to push. Returns how many were summarized.
 */
export async function summarizeThrottled(db: Database, windowMs: number, now: Date, batch = 5_000): Promise<number> {
  const rows = await db.$queryRaw<{ summarized: bigint }[]>`
    WITH due AS (
      SELECT id, user_id, floor(extract(epoch FROM created_at) * 1000 / ${windowMs}::float8)::bigint AS w
      FROM notifications
      WHERE status = 'throttled' AND created_at < ${throttleWindowStart(now, windowMs)}
      ORDER BY created_at, id LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    ),
    marked AS (
      UPDATE notifications n SET status = 'summarized' FROM due WHERE n.id = due.id RETURNING n.id
    ),
    windows AS (
      SELECT user_id, w, count(*)::int AS held,
             to_timestamp(w * ${windowMs}::float8 / 1000) AS from_at, to_timestamp((w + 1) * ${windowMs}::float8 / 1000) AS to_at
      FROM due GROUP BY user_id, w
    ),
    -- The users' rows are locked (in id order) before the summaries' ids are drawn, as routers do:
    -- a user's ids grow in commit order (notification-writer.ts in the router says why).
    owners AS (SELECT id FROM users WHERE id IN (SELECT user_id FROM windows) ORDER BY id FOR UPDATE),
    summaries AS (
      INSERT INTO notifications AS n (event_id, user_id, event_type, category, critical, title, body, payload, channels, status, dedupe_key, count)
      SELECT NULL, user_id, 'throttled', 'digest', false,
             held || CASE WHEN held = 1 THEN ' notification' ELSE ' notifications' END || ' held back',
             'Past your organization''s limit per hour, these were not pushed or sent; they are in your list.',
             jsonb_build_object('from', from_at, 'to', to_at, 'held', held), ARRAY['in_app'], 'pending',
             'throttled:' || user_id || ':' || w, held
      FROM windows JOIN owners o ON o.id = windows.user_id
      ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO UPDATE SET
        count = n.count + EXCLUDED.count,
        title = (n.count + EXCLUDED.count) || ' notifications held back',
        payload = jsonb_set(n.payload, '{held}', to_jsonb(n.count + EXCLUDED.count)),
        -- Pushed again, with the same id and the new count.
        status = CASE WHEN n.status = 'delivered' THEN 'pending' ELSE n.status END
      RETURNING n.id
    )
    SELECT (SELECT count(*) FROM marked) AS summarized`;
  return Number(rows[0]?.summarized ?? 0);
}

/** Throttle summaries stored and not yet pushed (also those a crashed tick left), oldest first. */
export async function pendingThrottleSummaries(db: Database, limit = 5_000): Promise<PendingNotification[]> {
  const rows = await db.$queryRaw<PendingNotificationRow[]>`
    SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions, payload
    FROM notifications
    WHERE status = 'pending' AND event_type = 'throttled'
    ORDER BY id LIMIT ${limit}`;
  return rows.map(toPendingNotification);
}
