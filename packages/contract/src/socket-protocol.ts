import type { NotificationCategory, NotificationMessage } from "./notification";

/**
 * The realtime gateway's Socket.IO protocol: event names, their messages, and
 * the typed-event maps that the gateway's `Server<…>`, the router's emitter
 * and the browser client's `Socket<…>` are all declared with, so a message
 * shape cannot drift between them.
 */
export const SOCKET_EVENTS = {
  notification: "notification",
  unreadCount: "unread_count",
} as const;

export const GATEWAY_EVENTS = {
  /** Server → client, once per connection, after any catch-up and before live notifications. */
  caughtUp: "caught_up",
  /** Server → client, on connect: how long toasts stay up. */
  toastConfig: "toast_config",
  /** Server → client: the socket's token expired; the server disconnects right after. */
  authExpired: "auth_expired",
  /** Server → client: a limit was exceeded; the server disconnects right after. */
  limitExceeded: "limit_exceeded",
  /** Server → client: the gateway could not serve this connection (e.g. catch-up failed); it disconnects, the client retries. */
  gatewayError: "gateway_error",
  /** Client → server, with an ack: replace the socket's token with a fresh one for the same user before it expires. */
  reauth: "reauth",
} as const;

/**
 * How many notification ids below its cursor a reconnecting client may list
 * as `seenIds`, and how many notifications below the cursor a catch-up
 * re-reads at most.
 */
export const CATCH_UP_WINDOW = 100;

/** The handshake's `auth` object. */
export interface SocketAuth {
  readonly token: string;
  /** The newest notification id the client has: what came after it is replayed. A string of digits is accepted too. */
  readonly lastNotificationId?: number | string | null;
  /**
   * Ids the client has received, newest first, up to CATCH_UP_WINDOW, all at
   * or below `lastNotificationId`; the lowest is where its knowledge starts
   * (the cursor it began with, when it has received fewer). Ids commit out of
   * order with several routers, so a notification below the cursor may have
   * been stored after the client last heard from the gateway: catch-up also
   * replays those between the lowest listed id and the cursor that are not
   * listed (and unread).
   */
  readonly seenIds?: readonly number[];
}

/** `caught_up`: where the socket's notification stream now stands. */
export interface CaughtUpMessage {
  /**
   * The newest notification id the client now has (or had before), its
   * cursor for the next reconnect; 0 when the user has no notification yet
   * (a reconnect from 0 then replays everything created meanwhile).
   */
  readonly lastNotificationId: number;
  /** Missed notifications sent just before this message, oldest first. */
  readonly replayed: number;
  /** More were missed than the gateway replays: only the newest were sent; reload the list over REST. */
  readonly truncated: boolean;
}

/** Codes in `connect_error` `data.code`, and in `auth_expired` / `limit_exceeded` / `gateway_error` `code`. */
export type GatewayErrorCode =
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

export interface GatewayErrorMessage {
  readonly code: GatewayErrorCode;
  readonly message: string;
}

/** `reauth` ack: the new token's expiry (seconds since the epoch; null if it never expires), or why it was refused. */
export type ReauthResult =
  { readonly ok: true; readonly expiresAt: number | null } | { readonly ok: false; readonly error: GatewayErrorMessage };

/** Auto-expire delays of in-app toasts, in ms; 0 keeps a toast until it is dismissed. */
export interface ToastConfig {
  readonly defaultAutoExpireMs: number;
  readonly categories: Readonly<Record<NotificationCategory, number>>;
}

export interface UnreadCountMessage {
  readonly count: number;
}

/** Everything the gateway (or the router's emitter, through it) sends a socket. */
export interface ServerToClientEvents {
  notification: (notification: NotificationMessage) => void;
  unread_count: (message: UnreadCountMessage) => void;
  caught_up: (message: CaughtUpMessage) => void;
  toast_config: (config: ToastConfig) => void;
  auth_expired: (error: GatewayErrorMessage) => void;
  limit_exceeded: (error: GatewayErrorMessage) => void;
  gateway_error: (error: GatewayErrorMessage) => void;
}

/**
 * What a client may send. The gateway still checks every argument at run
 * time: a hostile client is not bound by these types.
 */
export interface ClientToServerEvents {
  reauth: (request: { readonly token: string }, ack: (result: ReauthResult) => void) => void;
}
