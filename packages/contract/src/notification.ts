import type { EventCategory, EventTypeName } from "./catalog";

/** A notification's category: its event type's, or `digest` for the digests Herald makes itself. */
export type NotificationCategory = EventCategory | "digest";

/** What a Socket.IO client receives as a `notification` event (contract shape). */
export interface NotificationMessage {
  readonly id: number;
  /** Null for notifications Herald makes itself (digests). */
  readonly eventId: string | null;
  readonly type: EventTypeName | "digest";
  readonly category: NotificationCategory;
  readonly title: string;
  readonly body: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly critical: boolean;
  readonly createdAt: string;
  /** The user's unread count as of this notification. */
  readonly unreadCount: number;
}

/** An entry of the REST list (`GET /api/v1/notifications`). */
export interface NotificationItem {
  readonly id: number;
  readonly eventId: string | null;
  readonly type: string;
  readonly category: NotificationCategory;
  readonly title: string;
  readonly body: string;
  readonly payload: unknown;
  readonly critical: boolean;
  readonly read: boolean;
  readonly readAt: string | null;
  readonly createdAt: string;
}

/** Query of the REST list, as a client asks for it. */
export interface ListQuery {
  readonly unreadOnly?: boolean;
  readonly category?: NotificationCategory;
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface ListPage {
  readonly items: NotificationItem[];
  readonly nextCursor: string | null;
}
