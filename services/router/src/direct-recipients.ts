import { getEventType, type HeraldEvent } from "@herald/core";

export type RecipientReason = "direct" | "admin";

export interface Recipient {
  readonly userId: string;
  readonly reason: RecipientReason;
}

function stringValue(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(stringValue).filter((v): v is string => v !== undefined) : [];
}

/** The job owner: `payload.ownerUserId`, else the actor. */
function jobOwner(event: HeraldEvent): string | undefined {
  return stringValue(event.payload.ownerUserId) ?? event.actorUserId;
}

/** Who an event is about, per the contract's table, before the actor rule. */
export function directRecipientsByType(event: HeraldEvent): string[] {
  const payload = event.payload;
  switch (getEventType(event.type).category) {
    case "job": {
      const owner = jobOwner(event);
      return owner ? [owner] : [];
    }
    case "review": {
      const owner = stringValue(payload.contentOwnerUserId);
      const reviewers = event.type === "review.submitted" ? stringList(payload.reviewerUserIds) : [];
      return [...(owner ? [owner] : []), ...reviewers];
    }
    case "collaboration":
      return event.type === "collab.mention" ? stringList(payload.mentionedUserIds) : stringList(payload.notifyUserIds);
    case "system":
      return [];
  }
}

/**
 * Direct recipients of an event: the explicit `recipients` list when given,
 * else the contract's per-type fields; critical events add every admin.
 * The actor never hears about their own action unless they own the job.
 */
export function resolveRecipients(event: HeraldEvent, adminIds: readonly string[]): Recipient[] {
  const definition = getEventType(event.type);
  const direct = event.recipients ?? directRecipientsByType(event);
  const actorMayHear = definition.category === "job" && event.actorUserId === jobOwner(event);
  const recipients = new Map<string, Recipient>();
  for (const userId of direct) {
    if (userId === event.actorUserId && !actorMayHear) continue;
    recipients.set(userId, { userId, reason: "direct" });
  }
  if (definition.critical) {
    for (const userId of adminIds) recipients.set(userId, { userId, reason: "admin" });
  }
  return [...recipients.values()];
}
