import type { EventCategory, EventTypeName } from "./catalog";

/** What a Socket.IO client receives as a `notification` event (contract shape). */
export interface NotificationMessage {
  readonly id: number;
  /** Null for notifications Herald makes itself (digests). */
  readonly eventId: string | null;
  readonly type: EventTypeName | "digest";
  readonly category: EventCategory | "digest";
  readonly title: string;
  readonly body: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly critical: boolean;
  readonly createdAt: string;
  readonly unreadCount: number;
}

export const SOCKET_EVENTS = {
  notification: "notification",
  unreadCount: "unread_count",
} as const;

/**
 * Routing state of a stored notification. pending: the router is to dispatch
 * it; released: DND ended and the scheduler is to dispatch it; delivered:
 * dispatched; held: waiting for DND to end; digest: waiting for the next
 * digest; digested: summarized in a digest.
 */
export const NOTIFICATION_STATUSES = ["pending", "released", "delivered", "held", "digest", "digested"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** Statuses a user sees in the notification center and unread count. */
export const VISIBLE_STATUSES: readonly NotificationStatus[] = ["pending", "released", "delivered", "digested"];
