import { isDndActive } from "@herald/contract";
import type { Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import { dispatchPending } from "./dispatch-pending";
import { withUserLock } from "./user-lock";

/**
 * Ends a user's DND hold: held notifications become released (one statement,
 * so none is skipped or released twice) and are then pushed in the order
 * they arrived. Does nothing while the user's DND is still on.
 *
 * Released rows get fresh ids, in their arrival order. Nobody has seen their
 * old ids (held rows are in no list, count or catch-up), and with new ones a
 * client that is offline at the release still finds them in its catch-up
 * from its last id, after everything it had: ids keep growing in the order
 * notifications reach the user.
 */
export async function releaseHeld(db: Database, dispatcher: Dispatcher, userId: string, now: Date): Promise<number> {
  const settings = await db.userNotificationSettings.findUnique({ where: { userId }, select: { dndEnabled: true, dndUntil: true } });
  if (settings && isDndActive(settings, now)) return 0;
  await db.$executeRaw`
    WITH held AS (
      SELECT id, row_number() OVER (ORDER BY id) AS rn FROM notifications WHERE user_id = ${userId} AND status = 'held'
    ),
    fresh AS (
      SELECT new_id, row_number() OVER (ORDER BY new_id) AS rn
      FROM (SELECT nextval(pg_get_serial_sequence('notifications', 'id')) AS new_id FROM held) AS allocated
    )
    UPDATE notifications n SET id = fresh.new_id, status = 'released'
    FROM held JOIN fresh USING (rn)
    WHERE n.id = held.id AND n.status = 'held'`;
  return withUserLock(db, userId, () => dispatchPending(db, dispatcher, userId, "released"));
}
