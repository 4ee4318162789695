import type { EventTypeName } from "./catalog";

/** Most events one batch request may carry. */
export const MAX_BATCH_EVENTS = 1000;

/** Most levels of objects and arrays an event's payload may nest, the payload itself included. */
export const MAX_PAYLOAD_DEPTH = 32;

/** Ingest's default cap on one event's payload, as serialized JSON (`INGEST_MAX_PAYLOAD_BYTES`). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** An event as it travels on the stream: ids assigned, times normalized. */
export interface HeraldEvent {
  readonly id: string;
  readonly type: EventTypeName;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly actorUserId?: string;
  readonly projectId?: string;
  readonly source?: { readonly type: string; readonly id: string };
  readonly payload: Readonly<Record<string, unknown>>;
  readonly recipients?: readonly string[];
  /** `sub` of the token that published it. */
  readonly producer?: string;
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
