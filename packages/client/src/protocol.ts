/**
 * The gateway's Socket.IO protocol as this library sees it. It mirrors
 * @herald/core (SOCKET_EVENTS, GATEWAY_EVENTS, NotificationMessage), which a
 * browser bundle should not pull in; a test checks the two agree.
 */
export const EVENTS = {
  notification: "notification",
  unreadCount: "unread_count",
  caughtUp: "caught_up",
  toastConfig: "toast_config",
  authExpired: "auth_expired",
  limitExceeded: "limit_exceeded",
  gatewayError: "gateway_error",
  reauth: "reauth",
} as const;

export type Category = "job" | "review" | "system" | "collaboration" | "digest";

/** A `notification` as pushed live or replayed on reconnect. Ids grow over time for a user. */
export interface Notification {
  readonly id: number;
  readonly eventId: string | null;
  readonly type: string;
  readonly category: Category;
  readonly title: string;
  readonly body: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly critical: boolean;
  readonly createdAt: string;
  /** The user's unread count as of this notification. */
  readonly unreadCount: number;
}

/** `caught_up`: sent once per connection, after missed notifications and before live ones. */
export interface CaughtUp {
  /** The newest notification id the client now has: its cursor for the next reconnect. */
  readonly lastNotificationId: number | null;
  /** Missed notifications replayed just before. */
  readonly replayed: number;
  /** More were missed than the gateway replays: only the newest came; reload the list. */
  readonly truncated: boolean;
}

/** How long toasts stay up, in ms (0: until dismissed). */
export interface ToastConfig {
  readonly defaultAutoExpireMs: number;
  readonly categories: Readonly<Record<Category, number>>;
}

export type ErrorCode =
  | "token_missing"
  | "token_expired"
  | "token_invalid"
  | "invalid_handshake"
  | "origin_not_allowed"
  | "too_many_connections"
  | "rate_limited"
  | "subject_mismatch"
  | "catch_up_failed"
  | "unavailable";

export interface GatewayError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type ReauthResult = { readonly ok: true; readonly expiresAt: number | null } | { readonly ok: false; readonly error: GatewayError };

/** An entry of the REST list (`GET /api/v1/notifications`). */
export interface NotificationItem {
  readonly id: number;
  readonly eventId: string | null;
  readonly type: string;
  readonly category: Category;
  readonly title: string;
  readonly body: string;
  readonly payload: unknown;
  readonly critical: boolean;
  readonly read: boolean;
  readonly readAt: string | null;
  readonly createdAt: string;
}

export interface ListQuery {
  readonly unreadOnly?: boolean;
  readonly category?: Category;
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface ListPage {
  readonly items: NotificationItem[];
  readonly nextCursor: string | null;
}
