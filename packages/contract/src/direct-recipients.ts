import { getEventType } from "./catalog";
import type { HeraldEvent } from "./event";
import type { Preference } from "./preferences";

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
    // Herald's own events are for subscriptions, never for users.
    case "notification":
      return [];
  }
}

/**
 * Direct recipients of an event: the explicit `recipients` list when given,
 * else the contract's per-type fields. The actor never hears about their own
 * action unless they own the job.
 */
export function directRecipients(event: HeraldEvent): string[] {
  if (getEventType(event.type).category === "notification") return [];
  const direct = event.recipients ?? directRecipientsByType(event);
  const actorMayHear = getEventType(event.type).category === "job" && event.actorUserId === jobOwner(event);
  return [...new Set(direct)].filter((userId) => userId !== event.actorUserId || actorMayHear);
}

/** What a user who was no candidate of an event is, as far as routing sees them. */
export interface Bystander {
  /** As the event names users (the token's sub). */
  readonly userId: string;
  readonly projects: readonly string[];
}

/**
 * Why `user` was no candidate recipient of `event`, in words, from the rules
 * and the preference that applies to them now (the router records a decision
 * for every candidate; this explains everyone else). Pure: no I/O.
 */
export function notARecipientReason(event: HeraldEvent, user: Bystander, preference: Preference): string {
  const type = event.type;
  if (event.actorUserId === user.userId) return `you performed it: the actor does not hear of their own ${type}`;
  if (directRecipients(event).includes(user.userId))
    return `the event names you, but it reached no router decision for you (it may predate your account)`;
  // Subscriptions beyond one's own events count only while they deliver something.
  if (!preference.enabled) return `${type} is switched off in your preferences`;
  if (preference.channels.length === 0) return `no channel is on for ${type} in your preferences`;
  const ownProject = event.projectId !== undefined && user.projects.includes(event.projectId);
  const owner = getEventType(type).category === "job" ? jobOwner(event) : undefined;
  const notNamed = owner !== undefined ? "you are not the job's owner" : "the event does not name you";
  switch (preference.scope) {
    case "my_jobs":
      return ownProject
        ? `scope my_jobs: ${notNamed}, and my_jobs leaves out your project ${event.projectId}'s other events`
        : `scope my_jobs: ${notNamed}`;
    case "my_projects":
      return event.projectId === undefined
        ? `scope my_projects: ${notNamed}, and it belongs to no project`
        : ownProject
          ? `scope my_projects: it was routed before you joined project ${event.projectId} or chose this scope`
          : `scope my_projects: ${notNamed}, and project ${event.projectId} is not one of yours`;
    case "all":
      return `scope all: it was routed before you chose this scope`;
  }
}
