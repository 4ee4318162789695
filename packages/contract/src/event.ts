import type { StreamEventTypeName } from "./catalog";
import type { NotificationAction } from "./notification";

/** Most events one batch request may carry. */
export const MAX_BATCH_EVENTS = 1000;

/** Most levels of objects and arrays an event's payload may nest, the payload itself included. */
export const MAX_PAYLOAD_DEPTH = 32;

/** Ingest's default cap on one event's payload, as serialized JSON (`INGEST_MAX_PAYLOAD_BYTES`). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** How long an event id stays claimed by its producer against reuse (`IDEMPOTENCY_TTL_SECONDS`, ingest and gateway). */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Most distinct users one event may name as recipients: each becomes a `users` row and a notification. */
export const MAX_EVENT_RECIPIENTS = 1000;

/** Most distinct recipients the events of one batch request may name together. */
export const MAX_BATCH_RECIPIENTS = 10_000;

const RECIPIENT_FIELDS = ["ownerUserId", "contentOwnerUserId"] as const;
const RECIPIENT_LIST_FIELDS = ["reviewerUserIds", "mentionedUserIds", "notifyUserIds"] as const;

/**
 * Every user an event names as a possible recipient: its explicit
 * `recipients`, which replace the per-type fields, else all of the per-type
 * fields of its payload, whatever its type (an upper bound of whom routing
 * will notify, and so of the `users` rows it may create).
 */
export function namedRecipients(event: Pick<HeraldEvent, "recipients" | "payload">): string[] {
  if (event.recipients !== undefined) return [...new Set(event.recipients)];
  const ids = new Set<string>();
  for (const field of RECIPIENT_FIELDS) {
    const value = event.payload[field];
    if (typeof value === "string") ids.add(value);
  }
  for (const field of RECIPIENT_LIST_FIELDS) {
    const list = event.payload[field];
    if (Array.isArray(list)) for (const value of list) if (typeof value === "string") ids.add(value);
  }
  return [...ids];
}

/** An event as it travels on the stream: ids assigned, times normalized. */
export interface HeraldEvent {
  readonly id: string;
  readonly type: StreamEventTypeName;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly actorUserId?: string;
  readonly projectId?: string;
  readonly source?: { readonly type: string; readonly id: string };
  readonly payload: Readonly<Record<string, unknown>>;
  readonly recipients?: readonly string[];
  /** Groups its notifications: one per user, type and key while unread and within GROUP_WINDOW_MS. */
  readonly groupKey?: string;
  /** Where its notifications lead: an http(s) URL or a path starting with `/` (isSafeLink). */
  readonly url?: string;
  /** Buttons its notifications offer (at most MAX_EVENT_ACTIONS). */
  readonly actions?: readonly NotificationAction[];
  /**
   * Who published it: the `sub` of its token, as `tenantKey(token's tenant, sub)`
   * (two tenants' producers may share a name).
   */
  readonly producer?: string;
  /** The tenant it belongs to; absent on entries from before tenants, which are `default`'s. */
  readonly tenantId?: string;
}

/** One problem with a request, by the field's path (`events.3.type`). */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** An event of the user's history (`GET /api/v1/events`). */
export interface HistoryEvent {
  readonly id: string;
  readonly type: string;
  readonly category: string;
  readonly critical: boolean;
  readonly occurredAt: string;
  /** When Herald stored it. */
  readonly recordedAt: string;
  readonly actorUserId: string | null;
  readonly projectId: string | null;
  readonly source: { readonly type: string; readonly id: string } | null;
  readonly payload: unknown;
}

export interface HistoryPage {
  readonly items: HistoryEvent[];
  readonly nextCursor: string | null;
}
