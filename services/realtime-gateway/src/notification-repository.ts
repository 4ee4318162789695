import { Prisma, visibleTo, VISIBLE_NOTIFICATION, VISIBLE_UNREAD, type Database } from "@herald/db";
import {
  acknowledgementCovers,
  alertOf,
  CATCH_UP_WINDOW,
  splitTenantKey,
  type ListPage,
  type NotificationAction,
  type NotificationCategory,
  type NotificationItem,
} from "@herald/contract";
import { ITEM_OVERHEAD_BYTES, selectPage, selectReplay, type SizedCandidate } from "./byte-budget";
import { AlertAcknowledgements } from "./alert-acknowledgements";

/**
 * What a (re)connecting socket is owed: which notifications, the newest id
 * and the unread count as of one snapshot; the chosen items' contents are
 * loaded by id right after.
 */
export interface CatchUpSnapshot {
  /**
   * Visible notifications after the client's last id, oldest first: all of
   * them, or the newest that fit in `limit` and the byte budget.
   */
  readonly items: NotificationItem[];
  /** Some were left out (more than `limit`, or more than the byte budget). */
  readonly truncated: boolean;
  /** The user's newest visible notification id, if any. */
  readonly newestId: number | null;
  readonly unreadCount: number;
}

/** One page of a user's list, as the REST router asks the repository for it. */
export interface NotificationPageQuery {
  readonly userId: string;
  readonly unreadOnly: boolean;
  readonly category?: NotificationCategory;
  readonly limit: number;
  /** At most this many bytes of items (always at least one item); the rest is on the next page. */
  readonly maxBytes: number;
  /** Return notifications older than this id. */
  readonly beforeId?: bigint;
}

/**
 * Where a catch-up also looks below the client's cursor: ids in
 * (`above`, `upTo`] the client does not list as seen. Ids are assigned at
 * INSERT and become visible at COMMIT, so with several routers a lower id can
 * commit after a higher one reached the client, and a client that
 * disconnected in between never got it.
 */
export interface LateWindow {
  readonly above: number;
  readonly upTo: number;
  /** Ids in the window the client already has. */
  readonly seen: readonly number[];
}

/** What one catch-up may replay at most. */
export interface CatchUpBudget {
  readonly limit: number;
  readonly maxBytes: number;
}

/**
 * Every query is scoped by user id, so a user only ever touches their own
 * rows, and by visibility: in-app notifications not waiting for DND or a digest.
 */
export class NotificationRepository {
  private readonly acknowledgements: AlertAcknowledgements;

  constructor(private readonly db: Database) {
    this.acknowledgements = new AlertAcknowledgements(db);
  }

  /**
   * A page, newest first. The candidates' sizes are read first and only the
   * items that fit are then loaded, so a page of huge payloads never passes
   * through the gateway's memory whole.
   */
  async list(query: NotificationPageQuery): Promise<ListPage> {
    const filter = Prisma.sql`user_id = ${query.userId} AND ${query.unreadOnly ? VISIBLE_UNREAD : VISIBLE_NOTIFICATION}
      ${query.category ? Prisma.sql`AND category = ${query.category}` : Prisma.empty}
      ${query.beforeId !== undefined ? Prisma.sql`AND id < ${query.beforeId}` : Prisma.empty}`;
    const candidates = await this.db.$queryRaw<SizedRow[]>(newestWithin(filter, query.limit, query.maxBytes));
    const { ids, hasMore } = selectPage(candidates.map(sized), query.limit, query.maxBytes);
    const last = ids.at(-1);
    return { items: await this.load(query.userId, ids, "desc"), nextCursor: hasMore && last !== undefined ? String(last) : null };
  }

  /** Marks one notification read; false when the user has no such visible notification. */
  async markRead(userId: string, id: bigint): Promise<boolean> {
    const where = { ...visibleTo(userId), id };
    const { count } = await this.db.notification.updateMany({
      where: { ...where, isRead: false },
      data: { isRead: true, readAt: new Date() },
    });
    if (count > 0) return true;
    return (await this.db.notification.count({ where })) > 0;
  }

  /** The event, type, payload and buttons of one of the user's visible notifications, or undefined when they have no such notification. */
  async actionsOf(
    userId: string,
    id: bigint,
  ): Promise<{ eventId: string | null; type: string; payload: Record<string, unknown>; actions: NotificationAction[] } | undefined> {
    const row = await this.db.notification.findFirst({ where: { ...visibleTo(userId), id }, include });
    if (!row) return undefined;
    const payload = (row.payload ?? row.event?.payload ?? {}) as Record<string, unknown>;
    // Written only by the router, from actions ingest validated.
    return { eventId: row.eventId, type: row.eventType, payload, actions: (row.actions ?? []) as unknown as NotificationAction[] };
  }

  async markAllRead(userId: string): Promise<number> {
    const { count } = await this.db.notification.updateMany({
      where: { ...visibleTo(userId), isRead: false },
      data: { isRead: true, readAt: new Date() },
    });
    return count;
  }

  /**
   * What a socket connecting with `afterId` missed (nothing is replayed
   * without one) and, within `late`, what it lacks below that cursor, the
   * newest visible id and the unread count, read in one
   * statement, so one snapshot, with no transaction held open: the
   * candidates' ids and sizes, not their contents. Only the items chosen
   * within the budget are then loaded, by id.
   */
  async catchUp(
    userId: string,
    afterId: bigint | undefined,
    late: LateWindow | undefined,
    budget: CatchUpBudget,
  ): Promise<CatchUpSnapshot> {
    const missed =
      afterId === undefined
        ? Prisma.sql`'[]'::json`
        : Prisma.sql`COALESCE(
            (SELECT json_agg(json_build_object('id', w.id, 'bytes', w.bytes) ORDER BY w.id DESC)
             FROM (${newestWithin(Prisma.sql`user_id = ${userId} AND ${VISIBLE_NOTIFICATION} AND id > ${afterId}`, budget.limit, budget.maxBytes)}) AS w),
            '[]'::json)`;
    // Unread only: a read one was seen (in another tab), and digested rows (summarized in a digest) are read.
    const lateOnes =
      late === undefined
        ? Prisma.sql`'[]'::json`
        : Prisma.sql`COALESCE(
            (SELECT json_agg(json_build_object('id', l.id, 'bytes', s.bytes) ORDER BY l.id DESC)
             FROM (SELECT id FROM notifications
                   WHERE user_id = ${userId} AND ${VISIBLE_UNREAD} AND id > ${late.above} AND id <= ${late.upTo}
                     AND NOT (id = ANY(${late.seen.map(String)}::bigint[]))
                   ORDER BY id DESC LIMIT ${CATCH_UP_WINDOW}) AS l
             CROSS JOIN LATERAL (${sizeOf(Prisma.raw("l.id"))}) AS s),
            '[]'::json)`;
    const [row] = await this.db.$queryRaw<[{ newest_id: bigint | null; unread: bigint; missed: SizedCandidate[]; late: SizedCandidate[] }]>`
      SELECT
        (SELECT max(id) FROM notifications WHERE user_id = ${userId} AND ${VISIBLE_NOTIFICATION}) AS newest_id,
        (SELECT count(*) FROM notifications WHERE user_id = ${userId} AND ${VISIBLE_UNREAD}) AS unread,
        ${missed} AS missed,
        ${lateOnes} AS late`;
    const { ids, truncated } = selectReplay(row.missed, row.late, budget.limit, budget.maxBytes);
    return {
      items: await this.load(userId, ids, "asc"),
      truncated,
      newestId: row.newest_id === null ? null : Number(row.newest_id),
      unreadCount: Number(row.unread),
    };
  }

  /** The user's visible notifications with these ids, in id order. */
  private async load(userId: string, ids: readonly number[], order: "asc" | "desc"): Promise<NotificationItem[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.notification.findMany({
      where: { ...visibleTo(userId), id: { in: ids.map(BigInt) } },
      orderBy: { id: order },
      include,
    });
    const items = rows.map(toItem);
    // A hardware alert an admin of the tenant acknowledged shows who and when, on every admin's copy the
    // acknowledgement covers (not on a critical copy when only the warning was acknowledged).
    const alerts = items.map((i) => alertOf(i.type, i.payload as Record<string, unknown>));
    const acks = await this.acknowledgements.of(
      splitTenantKey(userId).tenant,
      alerts.flatMap((a) => (a ? [a.alertId] : [])),
    );
    return items.map((item, k) => {
      const alert = alerts[k];
      const ack = alert && acks.get(alert.alertId);
      return ack && acknowledgementCovers(ack.severity, alert.severity)
        ? { ...item, acknowledgedBy: ack.acknowledgedBy, acknowledgedAt: ack.acknowledgedAt }
        : item;
    });
  }

  async unreadCount(userId: string): Promise<number> {
    return this.db.notification.count({ where: { ...visibleTo(userId), isRead: false } });
  }
}

const include = { event: { select: { payload: true } } } as const;

/** The size of notification `id` as it goes out, in bytes: its payload (its own, or its event's) as JSON, title and body. */
function sizeOf(id: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT (octet_length(COALESCE(n.payload, e.payload, '{}'::jsonb)::text) + octet_length(n.title) + octet_length(n.body))::bigint AS bytes
    FROM notifications n LEFT JOIN events e ON e.id = n.event_id WHERE n.id = ${id}`;
}

/**
 * The newest notifications matching `filter` (over unqualified columns of
 * `notifications`), newest first, with their sizes: as many as selectPage
 * and selectReplay can need and no more. It walks down the index one row at
 * a time and stops past the byte budget (after two rows at least: the first
 * always goes out, the second tells whether more follow) or past `limit + 1`
 * rows, so it sizes only what may be sent plus one, however large the rows
 * or many the matches (sizing a 900 KB payload costs Postgres ~20 ms).
 */
function newestWithin(filter: Prisma.Sql, limit: number, maxBytes: number): Prisma.Sql {
  return Prisma.sql`
    WITH RECURSIVE walk (id, bytes, total, k) AS (
      SELECT f.id, s.bytes, s.bytes + ${ITEM_OVERHEAD_BYTES}::bigint, 1
      FROM (SELECT id FROM notifications WHERE ${filter} ORDER BY id DESC LIMIT 1) AS f
      CROSS JOIN LATERAL (${sizeOf(Prisma.raw("f.id"))}) AS s
      UNION ALL
      SELECT nxt.id, s.bytes, walk.total + s.bytes + ${ITEM_OVERHEAD_BYTES}::bigint, walk.k + 1
      FROM walk
      CROSS JOIN LATERAL (
        SELECT id FROM notifications
        WHERE ${filter} AND id < walk.id AND (walk.total <= ${maxBytes}::bigint OR walk.k = 1) AND walk.k <= ${limit}::int
        ORDER BY id DESC LIMIT 1
      ) AS nxt
      CROSS JOIN LATERAL (${sizeOf(Prisma.raw("nxt.id"))}) AS s
    )
    SELECT id, bytes FROM walk ORDER BY k`;
}

interface SizedRow {
  readonly id: bigint;
  readonly bytes: number | bigint;
}

const sized = (row: SizedRow): SizedCandidate => ({ id: Number(row.id), bytes: Number(row.bytes) });

type NotificationRow = Awaited<ReturnType<Database["notification"]["findFirstOrThrow"]>> & { event: { payload: unknown } | null };

function toItem(n: NotificationRow): NotificationItem {
  return {
    id: Number(n.id),
    eventId: n.eventId,
    type: n.eventType,
    category: n.category as NotificationCategory,
    title: n.title,
    body: n.body,
    payload: n.payload ?? n.event?.payload ?? {},
    critical: n.critical,
    read: n.isRead,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
    count: n.count,
    url: n.url,
    // Written only by the router, from actions ingest validated.
    actions: (n.actions ?? []) as unknown as NotificationAction[],
  };
}
