import type { Database } from "@herald/db";
import { VISIBLE_STATUSES, type EventCategory } from "@herald/core";

export interface NotificationItem {
  readonly id: number;
  readonly eventId: string | null;
  readonly type: string;
  readonly category: string;
  readonly title: string;
  readonly body: string;
  readonly payload: unknown;
  readonly critical: boolean;
  readonly read: boolean;
  readonly readAt: string | null;
  readonly createdAt: string;
}

export interface ListQuery {
  readonly userId: string;
  readonly unreadOnly: boolean;
  readonly category?: EventCategory | "digest";
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

  private visible(userId: string) {
    return { userId, status: { in: [...VISIBLE_STATUSES] }, channels: { has: "in_app" } };
  }

  async list(query: ListQuery): Promise<{ items: NotificationItem[]; nextCursor: string | null }> {
    const rows = await this.db.notification.findMany({
      where: {
        ...this.visible(query.userId),
        ...(query.beforeId !== undefined && { id: { lt: query.beforeId } }),
        ...(query.unreadOnly && { isRead: false }),
        ...(query.category && { category: query.category }),
      },
      orderBy: { id: "desc" },
      take: query.limit + 1,
      include: { event: { select: { payload: true } } },
    });
    const page = rows.slice(0, query.limit);
    const items = page.map((n) => ({
      id: Number(n.id),
      eventId: n.eventId,
      type: n.eventType,
      category: n.category,
      title: n.title,
      body: n.body,
      payload: n.payload ?? n.event?.payload ?? {},
      critical: n.critical,
      read: n.isRead,
      readAt: n.readAt?.toISOString() ?? null,
      createdAt: n.createdAt.toISOString(),
    }));
    const last = page.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
  }

  /** Marks one notification read; false when the user has no such visible notification. */
  async markRead(userId: string, id: bigint): Promise<boolean> {
    const where = { ...this.visible(userId), id };
    const { count } = await this.db.notification.updateMany({ where: { ...where, isRead: false }, data: { isRead: true, readAt: new Date() } });
    if (count > 0) return true;
    return (await this.db.notification.count({ where })) > 0;
  }

  async markAllRead(userId: string): Promise<number> {
    const { count } = await this.db.notification.updateMany({ where: { ...this.visible(userId), isRead: false }, data: { isRead: true, readAt: new Date() } });
    return count;
  }

  async unreadCount(userId: string): Promise<number> {
    return this.db.notification.count({ where: { ...this.visible(userId), isRead: false } });
  }
}
