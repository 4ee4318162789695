import { getEventType } from "./catalog";
import type { HeraldEvent } from "./event";

function stringValue(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(stringValue).filter((v): v is string => v !== undefined) : [];
}

/** The job owner: `payload.ownerUserId`, else the actor. */
export function jobOwner(event: HeraldEvent): string | undefined {
  return stringValue(event.payload.ownerUserId) ?? event.actorUserId;
}

/** Who an event is about, per the contract's table, before the actor rule. */
function directRecipientsByType(event: HeraldEvent): string[] {
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
 * else the contract's per-type fields. The actor never hears about their own
 * action unless they own the job.
 */
export function directRecipients(event: HeraldEvent): string[] {
  const direct = event.recipients ?? directRecipientsByType(event);
  const actorMayHear = getEventType(event.type).category === "job" && event.actorUserId === jobOwner(event);
  return [...new Set(direct)].filter((userId) => userId !== event.actorUserId || actorMayHear);
}
