import type { Database } from "@herald/db";
import { nextDigestAt } from "./digest-window";

/** Rows scheduled per tick: a mass change of settings is scheduled over a few ticks, never in one long statement. */
const SCHEDULE_BATCH = 1000;

/**
 * Gives every local-time digest that has none its next due instant (the
 * gateway clears it whenever a user changes digest mode, interval, time or
 * zone): one read and one write per tick, however many users changed.
 * The zone arithmetic is done here, in nextDigestAt, not in SQL: a zone
 * Postgres did not know would fail the whole statement for every user.
 * Returns how many it scheduled.
 */
export async function scheduleLocalDigests(db: Database, now: Date): Promise<number> {
  const rows = await db.$queryRaw<{ user_id: string; digest_at: string; timezone: string }[]>`
    SELECT user_id, digest_at, timezone FROM user_notification_settings
    WHERE digest_enabled AND digest_at IS NOT NULL AND digest_interval = 'daily' AND digest_next_at IS NULL
    LIMIT ${SCHEDULE_BATCH}`;
  if (rows.length === 0) return 0;
  const next = rows.map((r) => nextDigestAt(now, r.digest_at, r.timezone));
  // Only rows still as read: a user who changed time or zone meanwhile is scheduled by the next tick, from the new values.
  return db.$executeRaw`
    UPDATE user_notification_settings s SET digest_next_at = v.next_at
    FROM unnest(${rows.map((r) => r.user_id)}::text[], ${rows.map((r) => r.digest_at)}::text[],
                ${rows.map((r) => r.timezone)}::text[], ${next}::timestamptz[]) AS v(user_id, digest_at, timezone, next_at)
    WHERE s.user_id = v.user_id AND s.digest_next_at IS NULL AND s.digest_at = v.digest_at AND s.timezone = v.timezone
      AND s.digest_enabled AND s.digest_interval = 'daily'`;
}
