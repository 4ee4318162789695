import { DateTime } from "luxon";
import type { DigestInterval } from "@herald/contract";

export interface DigestClock {
  readonly intervalMs: { readonly hourly: number; readonly daily: number };
}

/** What decides when a user's next digest is due (their settings row). */
export interface DigestSchedule {
  readonly interval: DigestInterval;
  readonly lastSentAt: Date | null;
  /** `HH:MM` in `timezone`, for daily digests at a local time; null: a whole day after the last one. */
  readonly digestAt: string | null;
  readonly timezone: string;
  /** The next local-time digest, as scheduled by nextDigestAt; null until it is. */
  readonly nextAt: Date | null;
}

/** Whether digests follow the local clock (daily at `digestAt`) rather than an interval since the last one. */
export function atLocalTime(schedule: Pick<DigestSchedule, "interval" | "digestAt">): boolean {
  return schedule.interval === "daily" && schedule.digestAt !== null;
}

/**
 * A user's digest is due once a whole interval has passed since the last one
 * (or since digest mode was switched on); a daily digest at a local time,
 * once its scheduled instant has come (never before it is scheduled). Pure.
 */
export function isDigestDue(schedule: DigestSchedule, clock: DigestClock, now: Date): boolean {
  if (atLocalTime(schedule)) return schedule.nextAt !== null && schedule.nextAt.getTime() <= now.getTime();
  if (schedule.lastSentAt === null) return true;
  return now.getTime() - schedule.lastSentAt.getTime() >= clock.intervalMs[schedule.interval];
}

/**
 * The first instant strictly after `after` at which the clock on the wall in
 * `timezone` reads `digestAt` (HH:MM). On the day a DST change skips that
 * time (02:30 in Europe/Berlin on the last Sunday of March) it is the instant
 * the clock jumps past it; on the day one repeats it, the first of the two.
 * A zone this runtime does not know is read as UTC (the APIs refuse those
 * names; an old row must not stop its user's digests). Pure.
 */
export function nextDigestAt(after: Date, digestAt: string, timezone: string): Date {
  const [hour, minute] = digestAt.split(":").map(Number) as [number, number];
  let local = DateTime.fromJSDate(after, { zone: timezone });
  if (!local.isValid) local = DateTime.fromJSDate(after, { zone: "UTC" });
  const at = (day: DateTime) => day.set({ hour, minute, second: 0, millisecond: 0 });
  let next = at(local);
  // plus({ days: 1 }) keeps the wall-clock date arithmetic of the zone (a DST day is 23 or 25 hours).
  if (next.toMillis() <= after.getTime()) next = at(local.startOf("day").plus({ days: 1 }));
  return next.toJSDate();
}
