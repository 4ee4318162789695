import { Emitter } from "@socket.io/redis-emitter";
import { SOCKET_EVENTS, type NotificationMessage, type ServerToClientEvents } from "@herald/contract";
import { orderedConnection, userRoom, type RedisClient } from "@herald/runtime";
import type { PendingNotification } from "@herald/db";

/** A stored notification that still has to be pushed to its user's sockets. */
export type PendingPush = Omit<PendingNotification, "channels">;

/**
 * Pushes stored notifications to users' Socket.IO rooms on every gateway,
 * through the Redis emitter: the processes that push (router, scheduler)
 * hold no sockets themselves.
 */
export class NotificationPusher {
  constructor(
    private readonly redis: RedisClient,
    private readonly socketIoKey: string,
  ) {}

  /** An emitter on one connection for a whole batch (on a cluster, one node: see orderedConnection). */
  private emitter(): { emitter: Emitter<ServerToClientEvents>; connection: RedisClient } {
    const connection = orderedConnection(this.redis);
    return { emitter: new Emitter<ServerToClientEvents>(connection, { key: this.socketIoKey }), connection };
  }

  /**
   * Emits in id order. A user with several new notifications sees the unread
   * count grow one by one up to the stored total.
   */
  async push(pushes: readonly PendingPush[], unreadCounts: ReadonlyMap<string, number>): Promise<void> {
    const { emitter, connection } = this.emitter();
    const remaining = new Map<string, number>();
    for (const p of pushes) remaining.set(p.userId, (remaining.get(p.userId) ?? 0) + 1);
    for (const { userId, ...notification } of pushes) {
      const left = remaining.get(userId)! - 1;
      remaining.set(userId, left);
      const message: NotificationMessage = { ...notification, unreadCount: Math.max(0, (unreadCounts.get(userId) ?? 0) - left) };
      emitter.to(userRoom(userId)).emit(SOCKET_EVENTS.notification, message);
    }
    // The emitter publishes without waiting; a round trip on the same
    // connection confirms Redis has taken every publish before we record them.
    if (pushes.length > 0) await connection.ping();
  }

  /** Tells users' sockets their unread count, for changes that come with no notification (retention deleted unread ones). */
  async pushUnreadCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    const { emitter, connection } = this.emitter();
    for (const [userId, count] of counts) emitter.to(userRoom(userId)).emit(SOCKET_EVENTS.unreadCount, { count });
    if (counts.size > 0) await connection.ping();
  }
}
