import type { EventCategory, EventTypeName } from "./catalog";

/** A notification's category: its event type's, or `digest` for the digests Herald makes itself. */
export type NotificationCategory = EventCategory | "digest";

/** A button a notification offers (second wave, "Links and actions"): `id` as `[a-z0-9_-]{1,32}`, `label` ≤ 40 chars. */
export interface NotificationAction {
  readonly id: string;
  readonly label: string;
}

/**
 * What the second wave adds to a notification ("Grouping", "Links and actions"), optional until the router stores
 * them: clients show them where present and work the same without.
 */
export interface NotificationExtras {
  /** How many events a grouped notification stands for; absent or 1 for one event. */
  readonly count?: number;
  /** Where the notification leads: an `http:`/`https:` URL or a path starting with `/`. */
  readonly url?: string | null;
  /** Up to 3 buttons; acting on one is `POST /api/v1/notifications/:id/actions/:actionId`. */
  readonly actions?: readonly NotificationAction[];
  /** A hardware alert an admin of the tenant acknowledged: who (as the tenant names them) and when. */
  readonly acknowledgedBy?: string;
  readonly acknowledgedAt?: string;
}

/** What a Socket.IO client receives as a `notification` event (contract shape). */
export interface NotificationMessage extends NotificationExtras {
  readonly id: number;
  /** Null for notifications Herald makes itself (digests). */
  readonly eventId: string | null;
  /** `digest` and `throttled` (a throttle window's summary) are Herald's own, category `digest`. */
  readonly type: EventTypeName | "digest" | "throttled";
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
export interface NotificationItem extends NotificationExtras {
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
