import { visibleTo, type Database } from "@herald/db";
import type { ListPage, NotificationCategory, NotificationItem } from "@herald/contract";

/** What a (re)connecting socket is owed, read in one snapshot. */
export interface CatchUpSnapshot {
  /** Visible notifications after the client's last id, oldest first: all of them, or the newest `limit` if more. */
  readonly items: NotificationItem[];
  /** More than `limit` were missed. */
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
  /** Return notifications older than this id. */
  readonly beforeId?: bigint;
}

/**
 * Every query is scoped by user id, so a user only ever touches their own
 * rows, and by visibility: in-app notifications not waiting for DND or a digest.
 */
export class NotificationRepository {
  constructor(private readonly db: Database) {}

  async list(query: NotificationPageQuery): Promise<ListPage> {
    const rows = await this.db.notification.findMany({
      where: {
        ...visibleTo(query.userId),
        ...(query.beforeId !== undefined && { id: { lt: query.beforeId } }),
        ...(query.unreadOnly && { isRead: false }),
        ...(query.category && { category: query.category }),
      },
      orderBy: { id: "desc" },
      take: query.limit + 1,
      include,
    });
    const page = rows.slice(0, query.limit);
    const items = page.map(toItem);
    const last = page.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
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

  async markAllRead(userId: string): Promise<number> {
    const { count } = await this.db.notification.updateMany({
      where: { ...visibleTo(userId), isRead: false },
      data: { isRead: true, readAt: new Date() },
    });
    return count;
  }

  /**
   * Reads, in one REPEATABLE READ snapshot, what a socket connecting with
   * `afterId` missed (nothing is replayed without one), the newest visible id
   * and the unread count, so that all three describe the same moment.
   */
  async catchUp(userId: string, afterId: bigint | undefined, limit: number): Promise<CatchUpSnapshot> {
    const where = visibleTo(userId);
    const newestQuery = this.db.notification.findFirst({ where, orderBy: { id: "desc" }, select: { id: true } });
    const unreadQuery = this.db.notification.count({ where: { ...where, isRead: false } });
    const snapshot = { isolationLevel: "RepeatableRead" } as const;
    // Newest first, one more than the limit: tells whether older ones were left out.
    const [missed, newest, unreadCount] =
      afterId === undefined
        ? ([[], ...(await this.db.$transaction([newestQuery, unreadQuery], snapshot))] as const)
        : await this.db.$transaction(
            [
              this.db.notification.findMany({
                where: { ...where, id: { gt: afterId } },
                orderBy: { id: "desc" },
                take: limit + 1,
                include,
              }),
              newestQuery,
              unreadQuery,
            ],
            snapshot,
          );
    return {
      items: missed.slice(0, limit).reverse().map(toItem),
      truncated: missed.length > limit,
      newestId: newest ? Number(newest.id) : null,
      unreadCount,
    };
  }

  async unreadCount(userId: string): Promise<number> {
    return this.db.notification.count({ where: { ...visibleTo(userId), isRead: false } });
  }
}

const include = { event: { select: { payload: true } } } as const;

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
  };
}
