import { z } from "zod";
import { isEventTypeName, type EventTypeName } from "../catalog";
import type { HeraldEvent, ValidationIssue } from "../event";

const IDENTIFIER = /^[A-Za-z0-9._:@\/-]+$/;

/** User ids are strings; producers that use numeric ids may send numbers. */
const userId = z.union([z.string().min(1).max(128), z.number().int().nonnegative()]).transform((v) => String(v));
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
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    actorUserId: userId.optional(),
    projectId: z.string().min(1).max(128).optional(),
    source: z
      .object({ type: z.string().min(1).max(64), id: z.string().min(1).max(128) })
      .strict()
      .optional(),
    payload: recipientFields.optional(),
    recipients: userIdList.optional(),
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

/**
 * Validates one producer event and fills in what the producer may omit.
 * `pathPrefix` names the event's place in a batch (e.g. `events.3`).
 */
export function validateEvent(
  input: unknown,
  context: { readonly now: Date; readonly producer?: string; readonly pathPrefix?: string },
): EventValidationResult {
  const parsed = publishEventSchema.safeParse(input);
  if (!parsed.success) {
    const issues = toIssues(parsed.error, context.pathPrefix ?? "");
    const unknownType = parsed.error.issues.some((i) => i.path.length === 1 && i.path[0] === "type" && i.message === "unknown event type");
    return { ok: false, code: unknownType ? "unknown_event_type" : "invalid_event", issues };
  }
  const e = parsed.data;
  const type = e.type as EventTypeName;
  return {
    ok: true,
    event: {
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
    },
  };
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
