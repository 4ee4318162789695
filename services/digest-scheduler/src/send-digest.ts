import { buildDigest, digestBody, digestTitle, isDndActive, type Channel, type DigestInterval } from "@herald/contract";
import { type SendDigestJob } from "@herald/dispatch";
import { lockDigestBound, storeDigest, type Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import { dispatchPending } from "./dispatch-pending";
import { withUserLock } from "./user-lock";
import { atLocalTime, isDigestDue, nextDigestAt, type DigestClock, type DigestSchedule } from "./digest-window";

export type DigestOutcome = "sent" | "empty" | "not_due" | "disabled" | "in_dnd";

/**
 * Sends one user's digest for the period ending at `job.periodEnd`.
 *
 * One transaction, holding the user's settings row, writes the digest
 * notification (its dedupe key is the user and period, so a retried job
 * cannot write a second), marks the summarized notifications digested and
 * moves the period on. The push happens after the commit and is repeated by
 * a retry if the process dies in between. A period with nothing in it sends
 * nothing and just moves on.
 */
export async function sendDigest(
  db: Database,
  dispatcher: Dispatcher,
  job: SendDigestJob,
  clock: DigestClock,
  now: Date,
): Promise<DigestOutcome> {
  const periodEnd = new Date(job.periodEnd);
  const outcome = await db.$transaction(async (tx): Promise<DigestOutcome> => {
    const [settings] = await tx.$queryRaw<
      {
        digest_enabled: boolean;
        digest_interval: string;
        digest_last_sent_at: Date | null;
        digest_at: string | null;
        timezone: string;
        digest_next_at: Date | null;
        dnd_enabled: boolean;
        dnd_until: Date | null;
      }[]
    >`SELECT digest_enabled, digest_interval, digest_last_sent_at, digest_at, timezone, digest_next_at, dnd_enabled, dnd_until
      FROM user_notification_settings WHERE user_id = ${job.userId} FOR UPDATE`;
    if (!settings) return "disabled";
    const schedule: DigestSchedule = {
      interval: settings.digest_interval as DigestInterval,
      lastSentAt: settings.digest_last_sent_at,
      digestAt: settings.digest_at,
      timezone: settings.timezone,
      nextAt: settings.digest_next_at,
    };
    if (!job.flush) {
      if (!settings.digest_enabled) return "disabled";
      if (!isDigestDue(schedule, clock, periodEnd)) return "not_due";
      if (isDndActive({ dndEnabled: settings.dnd_enabled, dndUntil: settings.dnd_until }, now)) return "in_dnd";
    }
    const items = await lockDigestBound(tx, job.userId, periodEnd);
    if (items.length > 0) {
      const from = settings.digest_last_sent_at ?? items[0]!.created_at;
      const payload = buildDigest(
        items.map((i) => ({
          notificationId: Number(i.id),
          eventId: i.event_id,
          type: i.event_type,
          title: i.title,
          body: i.body,
          createdAt: i.created_at.toISOString(),
        })),
        from,
        periodEnd,
      );
      // In-app always, plus any channel the user chose for the summarized types.
      const channels = [...new Set<Channel>(["in_app", ...items.flatMap((i) => i.channels as Channel[])])];
      await storeDigest(
        tx,
        {
          userId: job.userId,
          title: digestTitle(payload),
          body: digestBody(payload),
          payload,
          channels,
          dedupeKey: `digest:${job.userId}:${job.periodEnd}`,
        },
        items.map((i) => i.id),
      );
    }
    // A local-time digest is scheduled again for its next day (a flush, e.g. DND ending, keeps the schedule).
    const nextAt = atLocalTime(schedule) && !job.flush ? nextDigestAt(periodEnd, schedule.digestAt!, schedule.timezone) : schedule.nextAt;
    await tx.$executeRaw`UPDATE user_notification_settings SET digest_last_sent_at = ${periodEnd}, digest_next_at = ${nextAt}
      WHERE user_id = ${job.userId}`;
    return items.length > 0 ? "sent" : "empty";
  });
  // Also finishes the push of a digest committed by an attempt that died before pushing; taking
  // turns with other replicas' jobs for this user, so a digest is pushed once.
  await withUserLock(db, job.userId, () => dispatchPending(db, dispatcher, job.userId, "digest"));
  return outcome;
}
