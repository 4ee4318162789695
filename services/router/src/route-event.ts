import { getEventType, type HeraldEvent } from "@herald/core";
import { renderNotification } from "./render-notification";
import { resolveRecipients } from "./resolve-recipients";

export type Channel = "in_app" | "email" | "webhook";

/** A notification the router has decided to create. */
export interface NotificationDraft {
  readonly eventId: string;
  readonly userId: string;
  readonly eventType: string;
  readonly category: string;
  readonly critical: boolean;
  readonly title: string;
  readonly body: string;
  readonly channels: readonly Channel[];
}

/** Channels a user gets until they change their preferences (contract defaults). */
export function defaultChannels(critical: boolean): Channel[] {
  return critical ? ["in_app", "email"] : ["in_app"];
}

/** Decides which notifications one event produces. Pure: no I/O. */
export function routeEvent(event: HeraldEvent, adminIds: readonly string[]): NotificationDraft[] {
  const definition = getEventType(event.type);
  const { title, body } = renderNotification(event);
  return resolveRecipients(event, adminIds).map((recipient) => ({
    eventId: event.id,
    userId: recipient.userId,
    eventType: event.type,
    category: definition.category,
    critical: definition.critical,
    title,
    body,
    channels: defaultChannels(definition.critical),
  }));
}
