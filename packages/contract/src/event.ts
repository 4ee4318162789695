import type { EventTypeName } from "./catalog";

/** Most events one batch request may carry. */
export const MAX_BATCH_EVENTS = 1000;

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
