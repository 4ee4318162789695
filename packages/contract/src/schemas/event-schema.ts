import { z } from "zod";
import { isBusEventTypeName, isEventTypeName, isStreamEventTypeName, type EventTypeName } from "../catalog";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_EVENT_RECIPIENTS,
  MAX_PAYLOAD_DEPTH,
  namedRecipients,
  type HeraldEvent,
  type ValidationIssue,
} from "../event";
import { parseEventFast } from "./event-fast-path";
import {
  ACTION_ID_PATTERN,
  EVENT_ID_PATTERN,
  linkProblem,
  MAX_ACTION_LABEL_LENGTH,
  MAX_EVENT_ACTIONS,
  MAX_GROUP_KEY_LENGTH,
  MAX_EVENT_ID_LENGTH,
  MAX_PROJECT_ID_LENGTH,
  MAX_SOURCE_ID_LENGTH,
  MAX_SOURCE_TYPE_LENGTH,
  MAX_USER_ID_LENGTH,
  MAX_USER_ID_LIST,
} from "./event-fields";
import { DEFAULT_TENANT, eventTenant, isTenantId } from "../tenant";
import { checkStorableJson } from "./storable-json";
import { isoDateTime, plainText } from "./text-fields";

/** User ids are strings; producers that use numeric ids may send numbers. */
const userId = z.union([plainText(MAX_USER_ID_LENGTH), z.number().int().nonnegative()]).transform((v) => String(v));
const userIdList = z.array(userId).max(MAX_USER_ID_LIST);

// The keys are PAYLOAD_USER_ID_FIELDS and PAYLOAD_USER_ID_LIST_FIELDS, in that order (the fast path builds the same object).
const recipientFields = z
  .object({
    ownerUserId: userId.optional(),
    contentOwnerUserId: userId.optional(),
    reviewerUserIds: userIdList.optional(),
    mentionedUserIds: userIdList.optional(),
    notifyUserIds: userIdList.optional(),
  })
  .loose();

/** A notification's link (linkProblem says what is wrong with it). */
const link = z.string().superRefine((value, ctx) => {
  const problem = linkProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
});

const actions = z
  .array(
    z
      .object({
        id: z.string().regex(ACTION_ID_PATTERN, "must be 1 to 32 of a-z, 0-9, _ and -"),
        label: plainText(MAX_ACTION_LABEL_LENGTH),
      })
      .strict(),
  )
  .max(MAX_EVENT_ACTIONS, `an event may carry at most ${MAX_EVENT_ACTIONS} actions`)
  .refine((list) => new Set(list.map((a) => a.id)).size === list.length, "action ids must not repeat");

/** The rules of a published event. parseEventFast (event-fast-path.ts) accepts a subset of it, producing the same data. */
export const publishEventSchema = z
  .object({
    id: z.string().min(1).max(MAX_EVENT_ID_LENGTH).regex(EVENT_ID_PATTERN, "may contain only letters, digits and . _ : @ / -").optional(),
    type: z.string().superRefine((v, ctx) => {
      if (isBusEventTypeName(v)) ctx.addIssue({ code: "custom", message: "is published by Herald itself, not by producers" });
      else if (!isEventTypeName(v)) ctx.addIssue({ code: "custom", message: "unknown event type" });
    }),
    occurredAt: isoDateTime.optional(),
    actorUserId: userId.optional(),
    projectId: plainText(MAX_PROJECT_ID_LENGTH).optional(),
    source: z
      .object({ type: plainText(MAX_SOURCE_TYPE_LENGTH), id: plainText(MAX_SOURCE_ID_LENGTH) })
      .strict()
      .optional(),
    payload: recipientFields.optional(),
    recipients: userIdList.optional(),
    groupKey: plainText(MAX_GROUP_KEY_LENGTH).optional(),
    url: link.optional(),
    actions: actions.optional(),
    /** Named by platform producers (tenant `*`); any other producer may only name its own. */
    tenantId: z.string().refine(isTenantId, "must be a tenant id ([A-Za-z0-9_.-]{1,64})").optional(),
  })
  .strict();

export type PublishEventInput = z.input<typeof publishEventSchema>;

export type EventValidationResult =
  | { readonly ok: true; readonly event: HeraldEvent }
  | { readonly ok: false; readonly code: "unknown_event_type" | "invalid_event"; readonly issues: ValidationIssue[] };

function toIssues(error: z.ZodError, prefix: string): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}

export interface EventValidationContext {
  readonly now: Date;
  readonly producer?: string;
  /** The publishing token's tenant (`*` for a platform producer); `default` when absent. */
  readonly tenant?: string;
  /** The event's place in a batch (e.g. `events.3`), prefixed to every issue's path. */
  readonly pathPrefix?: string;
  /** Cap on the payload's serialized JSON; DEFAULT_MAX_PAYLOAD_BYTES when absent. */
  readonly maxPayloadBytes?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The last time turned into text: every event of a request is received at the same `now`. */
let lastTime = Number.NaN;
let lastIsoString = "";
function isoStringOf(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastIsoString = date.toISOString();
    lastTime = time;
  }
  return lastIsoString;
}

function payloadOf(input: unknown): unknown {
  return typeof input === "object" && input !== null ? (input as { payload?: unknown }).payload : undefined;
}

/**
 * Validates one producer event and fills in what the producer may omit. What
 * it accepts the router can store: every text free of NUL and lone
 * surrogates, dates within 0001–9999, the payload within MAX_PAYLOAD_DEPTH
 * levels and `maxPayloadBytes`.
 */
export function validateEvent(input: unknown, context: EventValidationContext): EventValidationResult {
  const prefix = context.pathPrefix ?? "";
  // The common, plainly valid event skips zod; anything else, zod judges (and explains).
  const fast = parseEventFast(input);
  const parsed = fast !== undefined ? { success: true as const, data: fast } : publishEventSchema.safeParse(input);
  // One walk of the payload, as stored when the fields are valid, else as sent (to report everything at once).
  const payload = parsed.success ? parsed.data.payload : payloadOf(input);
  const payloadIssues: ValidationIssue[] = [];
  if (typeof payload === "object" && payload !== null && !Array.isArray(payload)) {
    const limits = { maxDepth: MAX_PAYLOAD_DEPTH, maxBytes: context.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES };
    checkStorableJson(payload, limits, prefix ? `${prefix}.payload` : "payload", payloadIssues);
  }
  if (!parsed.success) {
    const issues = toIssues(parsed.error, prefix);
    // A field the schema already faulted (payload.ownerUserId) is not reported twice.
    const faulted = new Set(issues.map((i) => i.path));
    issues.push(...payloadIssues.filter((i) => !faulted.has(i.path)));
    const unknownType = parsed.error.issues.some((i) => i.path.length === 1 && i.path[0] === "type" && i.message === "unknown event type");
    return { ok: false, code: unknownType ? "unknown_event_type" : "invalid_event", issues };
  }
  if (payloadIssues.length > 0) return { ok: false, code: "invalid_event", issues: payloadIssues };
  const e = parsed.data;
  const type = e.type as EventTypeName;
  const receivedAt = isoStringOf(context.now);
  // Built field by field, in the stream entry's key order (a spread of each optional field costs more than the rest of the check).
  // (payload is set below, after the optional fields that come before it: the cast covers those few lines.)
  const event = {
    // Web Crypto (Node ≥ 19 and browsers): this package imports nothing from node:.
    id: e.id ?? globalThis.crypto.randomUUID(),
    type,
    occurredAt: e.occurredAt ? new Date(e.occurredAt).toISOString() : receivedAt,
    receivedAt,
  } as Mutable<HeraldEvent>;
  if (e.actorUserId !== undefined) event.actorUserId = e.actorUserId;
  if (e.projectId !== undefined) event.projectId = e.projectId;
  if (e.source !== undefined) event.source = e.source;
  event.payload = e.payload ?? {};
  if (e.recipients !== undefined) event.recipients = [...new Set(e.recipients)];
  if (e.groupKey !== undefined) event.groupKey = e.groupKey;
  if (e.url !== undefined) event.url = e.url;
  if (e.actions !== undefined) event.actions = e.actions;
  if (context.producer !== undefined) event.producer = context.producer;
  // A tenant the token may not name is kept as named, for the publisher to refuse (403, not 400).
  event.tenantId = eventTenant(context.tenant ?? DEFAULT_TENANT, e.tenantId) ?? e.tenantId!;
  const recipients = namedRecipients(event).length;
  if (recipients > MAX_EVENT_RECIPIENTS) {
    const path = [prefix, e.recipients !== undefined ? "recipients" : "payload"].filter(Boolean).join(".");
    const message = `names ${recipients} distinct recipients; an event may name at most ${MAX_EVENT_RECIPIENTS}`;
    return { ok: false, code: "invalid_event", issues: [{ path, message }] };
  }
  return { ok: true, event };
}

/** Reads a stream entry back; anything malformed is reported, never thrown. */
export function parseStreamEvent(raw: string): HeraldEvent | undefined {
  try {
    const value = JSON.parse(raw) as Partial<HeraldEvent>;
    if (typeof value.id !== "string" || typeof value.type !== "string" || !isStreamEventTypeName(value.type)) return undefined;
    if (typeof value.occurredAt !== "string" || typeof value.payload !== "object" || value.payload === null) return undefined;
    return value as HeraldEvent;
  } catch {
    return undefined;
  }
}
