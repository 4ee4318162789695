import { tenantKey, type HeraldEvent } from "@herald/contract";
import type { UserPrincipal } from "@herald/auth";

/** The producer the gateway's own events are published as, per tenant (as a token's `tenantKey(tenant, sub)`). */
export const GATEWAY_PRODUCER = "herald:realtime-gateway";

/** What a user acted on. */
export interface ActedNotification {
  readonly id: bigint;
  readonly eventId: string | null;
}

/**
 * The `notification.action` event of `user` acting on `actionId` of a
 * notification. Its id is the notification's and the action's: acting twice
 * is one event. Pure.
 */
export function actionEvent(
  notification: ActedNotification,
  actionId: string,
  user: UserPrincipal,
  now: Date,
): HeraldEvent & { producer: string } {
  const at = now.toISOString();
  return {
    id: `notification.action:${notification.id}:${actionId}`,
    type: "notification.action",
    occurredAt: at,
    receivedAt: at,
    actorUserId: user.subject,
    payload: { notificationId: Number(notification.id), eventId: notification.eventId, actionId, userId: user.subject },
    producer: tenantKey(user.tenant, GATEWAY_PRODUCER),
    tenantId: user.tenant,
  };
}
