import { dndOff, usersWithReleasableHolds, type Database } from "@herald/db";
import type { DigestClock } from "./digest-window";

export interface DueWork {
  /** Users whose digest is due now (and who are not in DND). */
  readonly digests: string[];
  /** Users with notifications held for a DND that is over. */
  readonly releases: string[];
}

/** What the periodic tick finds to do: two indexed queries, however many users there are. */
export async function findDueWork(db: Database, clock: DigestClock, now: Date): Promise<DueWork> {
  const [digests, releases] = await Promise.all([
    db.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM user_notification_settings
      WHERE digest_enabled
        AND CASE WHEN digest_at IS NOT NULL AND digest_interval = 'daily'
          -- At a local time: once its scheduled instant has come (see scheduleLocalDigests).
          THEN digest_next_at <= ${now}
          ELSE digest_last_sent_at IS NULL OR digest_last_sent_at + make_interval(secs =>
              (CASE digest_interval WHEN 'hourly' THEN ${clock.intervalMs.hourly} ELSE ${clock.intervalMs.daily} END)::float8 / 1000) <= ${now}
        END
        AND ${dndOff("user_notification_settings", now)}`,
    usersWithReleasableHolds(db, now),
  ]);
  return { digests: digests.map((r) => r.user_id), releases };
}
