import { Prisma } from "./generated/prisma/client";
import type { Database } from "./client";

/**
 * Retention's deletes, one bounded batch per call. The rows of a batch are
 * picked by a subquery and then deleted by `id = ANY(ARRAY(…))`: an array,
 * not `IN (subquery)`, so that Postgres looks each one up by primary key
 * rather than choosing to hash-join against a scan of the whole table. Each call is one
 * statement, so its own short transaction: it locks at most `batch` rows
 * (or, deleting events, the events of one batch)
 * (SKIP LOCKED: rows another transaction holds are left for a later batch,
 * never waited for) and walks an index, never the table. Callers repeat a
 * batch until it deletes fewer than `batch` rows.
 */

/**
 * What the cap may remove (over `notifications n`): rows dispatched or
 * digested. Rows still on their way (to push, held for DND, waiting for a
 * digest) and rows with a delivery still queued (its job would find nothing
 * to send) wait for a later run.
 */
const SETTLED = Prisma.sql`n.status IN ('delivered', 'digested')
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND d.status = 'queued')`;

/**
 * Up to `batch` events created before `before`, oldest first: the next ones
 * to go. A plain read (no lock): their deletion comes in the two steps below.
 */
export async function expiredEvents(db: Database, before: Date, batch: number): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM events WHERE created_at < ${before} ORDER BY created_at LIMIT ${batch}`;
  return rows.map((r) => r.id);
}

/**
 * Detaches up to `batch` notifications of these events from them: each gets
 * its event's payload copied in (so it keeps title, body and payload) and its
 * event_id cleared. An event may have many recipients, so its notifications
 * go in batches of their own, and deleting the event afterwards updates
 * (almost) none.
 */
export async function detachNotificationsBatch(db: Database, eventIds: readonly string[], batch: number): Promise<number> {
  return db.$executeRaw`
    UPDATE notifications n SET payload = COALESCE(n.payload, e.payload), event_id = NULL
    FROM events e
    WHERE e.id = n.event_id AND n.id = ANY(ARRAY(
      SELECT id FROM notifications WHERE event_id = ANY(${[...eventIds]}::text[])
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    ))`;
}

/**
 * Deletes these events (those no other transaction holds). A notification
 * still attached (locked during its detach batch, or written meanwhile) is
 * detached in the same statement, payload copied, which leaves the foreign
 * key's ON DELETE SET NULL nothing to do.
 */
export async function deleteEvents(db: Database, eventIds: readonly string[]): Promise<number> {
  return db.$executeRaw`
    WITH doomed AS (
      SELECT id, payload FROM events WHERE id = ANY(${[...eventIds]}::text[])
      FOR UPDATE SKIP LOCKED
    ),
    kept AS (
      UPDATE notifications n SET payload = COALESCE(n.payload, d.payload), event_id = NULL
      FROM doomed d WHERE n.event_id = d.id
    )
    DELETE FROM events WHERE id = ANY(ARRAY(SELECT id FROM doomed))`;
}

/**
 * Deletes up to `batch` read notifications created before `before`, oldest
 * first (their deliveries and attempts go with them: ON DELETE CASCADE).
 * Unread ones are never touched here.
 */
export async function deleteReadNotificationsBatch(db: Database, before: Date, batch: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM notifications WHERE id = ANY(ARRAY(
      SELECT id FROM notifications WHERE is_read AND created_at < ${before}
      ORDER BY created_at, id LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    ))`;
}

export interface UserPage {
  /** Users of the page with more than `cap` notifications. */
  readonly overCap: string[];
  /** Where the next page starts (exclusive), or undefined after the last page. */
  readonly next: string | undefined;
}

/**
 * One page of users, in id order after `after`, and which of them hold more
 * than `cap` notifications. Each user costs at most cap + 1 index entries
 * (the subquery stops there), whatever their history.
 */
export async function usersOverCap(db: Database, after: string | undefined, page: number, cap: number): Promise<UserPage> {
  const rows = await db.$queryRaw<{ id: string; over: boolean }[]>`
    SELECT u.id, EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id OFFSET ${cap}) AS over
    FROM (SELECT id FROM users ${after === undefined ? Prisma.empty : Prisma.sql`WHERE id > ${after}`} ORDER BY id LIMIT ${page}) AS u
    ORDER BY u.id`;
  return { overCap: rows.filter((r) => r.over).map((r) => r.id), next: rows.length < page ? undefined : rows.at(-1)?.id };
}

/**
 * Trims one user towards `cap` notifications, up to `batch` rows, read ones
 * first (`read`), then, once a user keeps `cap` unread ones and no read one,
 * unread ones (`unread`), oldest first within each. The keep set is the newest
 * `cap` unread plus the newest read that still fit; the boundary is found
 * through the user's partial indexes, scanning at most `cap` entries. Rows
 * not SETTLED are skipped (a later run takes them), so a user may briefly
 * hold more than `cap`, by the rows in flight.
 */
export async function trimUserBatch(db: Database, userId: string, cap: number, kind: "read" | "unread", batch: number): Promise<number> {
  if (kind === "read") {
    return db.$executeRaw`
      WITH unread_kept AS (
        SELECT id FROM notifications WHERE user_id = ${userId} AND NOT is_read ORDER BY id DESC LIMIT ${cap}
      ),
      -- The newest read notification that does not fit: it and every older read one go.
      first_excess AS (
        SELECT id FROM notifications WHERE user_id = ${userId} AND is_read
        ORDER BY id DESC OFFSET (${cap} - (SELECT count(*) FROM unread_kept)) LIMIT 1
      ),
      doomed AS (
        SELECT n.id FROM notifications n
        WHERE n.user_id = ${userId} AND n.is_read AND n.id <= (SELECT id FROM first_excess) AND ${SETTLED}
        ORDER BY n.id LIMIT ${batch}
        FOR UPDATE OF n SKIP LOCKED
      )
      DELETE FROM notifications WHERE id = ANY(ARRAY(SELECT id FROM doomed))`;
  }
  return db.$executeRaw`
    WITH first_excess AS (
      SELECT id FROM notifications WHERE user_id = ${userId} AND NOT is_read ORDER BY id DESC OFFSET ${cap} LIMIT 1
    ),
    doomed AS (
      SELECT n.id FROM notifications n
      WHERE n.user_id = ${userId} AND NOT n.is_read AND n.id <= (SELECT id FROM first_excess) AND ${SETTLED}
      ORDER BY n.id LIMIT ${batch}
      FOR UPDATE OF n SKIP LOCKED
    )
    DELETE FROM notifications WHERE id = ANY(ARRAY(SELECT id FROM doomed))`;
}
