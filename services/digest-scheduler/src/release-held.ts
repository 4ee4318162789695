import { isDndActive } from "@herald/contract";
import { releaseHeldRows, type Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import { dispatchPending } from "./dispatch-pending";
import { withUserLock } from "./user-lock";

/**
 * Ends a user's DND hold: held notifications are released (with fresh ids,
 * see releaseHeldRows in @herald/db) and then pushed in the order they arrived.
 * Does nothing while the user's DND is still on.
 */
export async function releaseHeld(db: Database, dispatcher: Dispatcher, userId: string, now: Date): Promise<number> {
  const settings = await db.userNotificationSettings.findUnique({ where: { userId }, select: { dndEnabled: true, dndUntil: true } });
  if (settings && isDndActive(settings, now)) return 0;
  await releaseHeldRows(db, userId);
  return withUserLock(db, userId, () => dispatchPending(db, dispatcher, userId, "released"));
}
