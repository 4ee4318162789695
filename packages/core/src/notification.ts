import type { EventCategory, EventTypeName } from "./catalog";

/** What a Socket.IO client receives as a `notification` event (contract shape). */
export interface NotificationMessage {
  readonly id: number;
  readonly eventId: string;
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
