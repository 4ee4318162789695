import {
  GATEWAY_EVENTS,
  SOCKET_EVENTS,
  type CaughtUpMessage,
  type EventTypeName,
  type NotificationItem,
  type NotificationMessage,
} from "@herald/contract";
import type { CatchUpGates } from "./catch-up-gate";
import type { CatchUpBudget, CatchUpSnapshot, LateWindow, NotificationRepository } from "../notification-repository";
import type { GatewaySocket } from "./gateway-socket";

/**
 * Replayed notifications as `notification` messages. Each carries the unread
 * count as it stood when it arrived, as live ones do: counting up, one unread
 * at a time, to the current total on the last one.
 */
export function replayMessages(items: readonly NotificationItem[], unreadCount: number): NotificationMessage[] {
  let unreadAfter = items.filter((n) => !n.read).length;
  return items.map((n) => {
    if (!n.read) unreadAfter -= 1;
    return {
      id: n.id,
      eventId: n.eventId,
      type: n.type as EventTypeName | "digest",
      category: n.category,
      title: n.title,
      body: n.body,
      payload: (n.payload ?? {}) as Readonly<Record<string, unknown>>,
      critical: n.critical,
      createdAt: n.createdAt,
      unreadCount: Math.max(0, unreadCount - unreadAfter),
    };
  });
}

/**
 * Where the client stands after catch-up, as `caught_up` tells it: its cursor
 * for the next reconnect is the newest id it now has; without an id of its
 * own, the newest id that existed when it connected, since everything after
 * that reaches it live. A user with no notification yet gets 0, never null:
 * a client that kept "no cursor" would reconnect without one and be replayed
 * nothing of what was created while it was away.
 */
export function catchUpOutcome(lastNotificationId: bigint | undefined, snapshot: CatchUpSnapshot): CaughtUpMessage {
  const replayed = snapshot.items.length;
  if (lastNotificationId === undefined) return { lastNotificationId: snapshot.newestId ?? 0, replayed, truncated: false };
  const cursor = Math.max(Number(lastNotificationId), snapshot.items.at(-1)?.id ?? 0);
  return { lastNotificationId: cursor, replayed, truncated: snapshot.truncated };
}

/**
 * Where catch-up looks below the client's cursor for notifications committed
 * late: above the lowest id the client lists as seen (where its knowledge
 * starts) up to its cursor, except the ids it lists. None without a cursor
 * or a list (a client that cannot tell what it has would get repeats).
 */
export function lateWindow(lastNotificationId: bigint | undefined, seenIds: readonly number[] | undefined): LateWindow | undefined {
  if (lastNotificationId === undefined || seenIds === undefined || seenIds.length === 0) return undefined;
  const upTo = Number(lastNotificationId);
  const above = Math.min(...seenIds);
  if (above >= upTo) return undefined;
  return { above, upTo, seen: seenIds.filter((id) => id > above && id <= upTo) };
}

export interface CatchUpDependencies {
  readonly repository: NotificationRepository;
  readonly gates: CatchUpGates;
  readonly budget: CatchUpBudget;
}

/**
 * Runs with the socket's gate closed and the socket already in its room:
 * reads the snapshot, sends the missed notifications (oldest first), the
 * unread count and `caught_up`, then opens the gate, all in one tick once the
 * query has returned, so nothing live can slip in between.
 *
 * A held `unread_count` published before the snapshot but received after the
 * join would be replayed after the snapshot's count; that window is one Redis
 * delivery long, and the next change corrects it.
 */
export async function catchUp(
  socket: GatewaySocket,
  userId: string,
  lastNotificationId: bigint | undefined,
  late: LateWindow | undefined,
  deps: CatchUpDependencies,
): Promise<CaughtUpMessage | undefined> {
  const snapshot = await deps.repository.catchUp(userId, lastNotificationId, late, deps.budget);
  if (socket.disconnected) return undefined;
  socket.data.replaying = true;
  for (const message of replayMessages(snapshot.items, snapshot.unreadCount)) socket.emit(SOCKET_EVENTS.notification, message);
  socket.data.replaying = false;
  socket.emit(SOCKET_EVENTS.unreadCount, { count: snapshot.unreadCount });
  const caughtUp = catchUpOutcome(lastNotificationId, snapshot);
  socket.emit(GATEWAY_EVENTS.caughtUp, caughtUp);
  deps.gates.open(
    socket.id,
    snapshot.items.map((n) => n.id),
  );
  return caughtUp;
}
