import { pendingThrottleSummaries, summarizeThrottled, unreadCounts, type Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";

/**
 * The per-user throttle's rollover, on each tick: the throttled notifications
 * of windows that are over are summarized, one `throttled` notification per
 * user and window, and every summary not yet pushed is pushed (those a
 * crashed tick stored too). Returns how many notifications were summarized.
 */
export async function sendThrottleSummaries(db: Database, dispatcher: Dispatcher, windowMs: number, now: Date): Promise<number> {
  const summarized = await summarizeThrottled(db, windowMs, now);
  const pending = await pendingThrottleSummaries(db);
  if (pending.length > 0) await dispatcher.dispatch(pending, await unreadCounts(db, [...new Set(pending.map((p) => p.userId))]));
  return summarized;
}
