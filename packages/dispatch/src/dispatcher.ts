import type { EventCategory, EventTypeName } from "@herald/contract";
import { createDeliveries, markDispatched, type Database } from "@herald/db";
import type { DeliveryEnqueuer } from "./delivery-enqueuer";
import type { NotificationPusher, PendingPush } from "./notification-pusher";

/** A stored notification ready to go out on its channels. */
export type PendingNotification = PendingPush & { readonly channels: readonly string[] };

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
}

export function toPendingNotification(row: PendingNotificationRow): PendingNotification {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    userId: row.user_id,
    type: row.event_type as EventTypeName | "digest",
    category: row.category as EventCategory | "digest",
    critical: row.critical,
    title: row.title,
    body: row.body,
    payload: row.payload ?? {},
    createdAt: row.created_at.toISOString(),
    channels: row.channels,
  };
}

/**
 * Sends stored notifications out: in-app pushes for those with in_app, a
 * queued delivery per external channel, then records them dispatched. Every
 * step tolerates being repeated after a crash, so callers run it before they
 * acknowledge their own work.
 */
export class Dispatcher {
  constructor(
    private readonly db: Database,
    private readonly pusher: NotificationPusher,
    private readonly deliveries: DeliveryEnqueuer,
  ) {}

  async dispatch(notifications: readonly PendingNotification[], unreadCounts: ReadonlyMap<string, number>): Promise<void> {
    if (notifications.length === 0) return;
    const inApp = notifications.filter((n) => n.channels.includes("in_app")).map(({ channels: _channels, ...push }) => push);
    await this.pusher.push(inApp, unreadCounts);
    const ids = notifications.map((n) => n.id);
    if (notifications.some((n) => n.channels.some((c) => c !== "in_app"))) {
      await this.deliveries.enqueue(await createDeliveries(this.db, ids));
    }
    await markDispatched(this.db, ids);
  }
}
