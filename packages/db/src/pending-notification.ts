import type { EventCategory, NotificationAction, NotificationMessage } from "@herald/contract";

/** A stored notification ready to go out on its channels: its push (without the unread count, known at push time) and its channels. */
export type PendingNotification = Omit<NotificationMessage, "unreadCount"> & {
  readonly userId: string;
  readonly channels: readonly string[];
};

/** The columns a pending notification is read from (`payload` from the notification, else its event). */
export interface PendingNotificationRow {
  id: bigint;
  event_id: string | null;
  user_id: string;
  event_type: string;
  category: string;
  critical: boolean;
  title: string;
  body: string;
  created_at: Date;
  channels: string[];
  payload: Record<string, unknown> | null;
  count: number;
  url: string | null;
  actions: NotificationAction[] | null;
}

export function toPendingNotification(row: PendingNotificationRow): PendingNotification {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    userId: row.user_id,
    type: row.event_type as NotificationMessage["type"],
    category: row.category as EventCategory | "digest",
    critical: row.critical,
    title: row.title,
    body: row.body,
    payload: row.payload ?? {},
    createdAt: row.created_at.toISOString(),
    count: row.count,
    url: row.url,
    actions: row.actions ?? [],
    channels: row.channels,
  };
}
