import { z } from "zod";
import { isEventTypeName, type EventTypeName } from "../catalog";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_EVENT_RECIPIENTS,
  MAX_PAYLOAD_DEPTH,
  namedRecipients,
  type HeraldEvent,
  type ValidationIssue,
} from "../event";
import { DEFAULT_TENANT, eventTenant, isTenantId } from "../tenant";
import { checkStorableJson } from "./storable-json";
import { isoDateTime, plainText } from "./text-fields";

const IDENTIFIER = /^[A-Za-z0-9._:@\/-]+$/;

/** User ids are strings; producers that use numeric ids may send numbers. */
const userId = z.union([plainText(128), z.number().int().nonnegative()]).transform((v) => String(v));
const userIdList = z.array(userId).max(1000);

const recipientFields = z
  .object({
    ownerUserId: userId.optional(),
    contentOwnerUserId: userId.optional(),
    reviewerUserIds: userIdList.optional(),
    mentionedUserIds: userIdList.optional(),
    notifyUserIds: userIdList.optional(),
  })
  .loose();

export const publishEventSchema = z
  .object({
    id: z.string().min(1).max(128).regex(IDENTIFIER, "may contain only letters, digits and . _ : @ / -").optional(),
    type: z.string().refine(isEventTypeName, { message: "unknown event type" }),
    occurredAt: isoDateTime.optional(),
    actorUserId: userId.optional(),
    projectId: plainText(128).optional(),
    source: z
      .object({ type: plainText(64), id: plainText(128) })
      .strict()
      .optional(),
    payload: recipientFields.optional(),
    recipients: userIdList.optional(),
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
  const parsed = publishEventSchema.safeParse(input);
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
  const event: HeraldEvent = {
    // Web Crypto (Node ≥ 19 and browsers): this package imports nothing from node:.
    id: e.id ?? globalThis.crypto.randomUUID(),
    type,
    occurredAt: e.occurredAt ? new Date(e.occurredAt).toISOString() : context.now.toISOString(),
    receivedAt: context.now.toISOString(),
    ...(e.actorUserId !== undefined && { actorUserId: e.actorUserId }),
    ...(e.projectId !== undefined && { projectId: e.projectId }),
    ...(e.source !== undefined && { source: e.source }),
    payload: e.payload ?? {},
    ...(e.recipients !== undefined && { recipients: [...new Set(e.recipients)] }),
    ...(context.producer !== undefined && { producer: context.producer }),
    // A tenant the token may not name is kept as named, for the publisher to refuse (403, not 400).
    tenantId: eventTenant(context.tenant ?? DEFAULT_TENANT, e.tenantId) ?? e.tenantId!,
  };
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
    if (typeof value.id !== "string" || typeof value.type !== "string" || !isEventTypeName(value.type)) return undefined;
    if (typeof value.occurredAt !== "string" || typeof value.payload !== "object" || value.payload === null) return undefined;
    return value as HeraldEvent;
  } catch {
    return undefined;
  }
}
