import { createDeliveries, markDispatched, type Database, type PendingNotification } from "@herald/db";
import type { DeliveryEnqueuer } from "./delivery-enqueuer";
import type { NotificationPusher } from "./notification-pusher";

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
    const record = await this.send(notifications, unreadCounts);
    await record();
  }

  /**
   * Pushes and queues, and answers the step that records it, for a caller
   * that records it later (the router, beside its next batch). Until that
   * step ran, the rows are pending: handled again, they are sent again.
   */
  async send(notifications: readonly PendingNotification[], unreadCounts: ReadonlyMap<string, number>): Promise<() => Promise<void>> {
    if (notifications.length === 0) return async () => undefined;
    const inApp = notifications.filter((n) => n.channels.includes("in_app")).map(({ channels: _channels, ...push }) => push);
    await this.pusher.push(inApp, unreadCounts);
    if (notifications.some((n) => n.channels.some((c) => c !== "in_app"))) {
      const ids = notifications.map((n) => n.id);
      await this.deliveries.enqueue(await createDeliveries(this.db, ids));
    }
    return () => markDispatched(this.db, notifications);
  }
}
