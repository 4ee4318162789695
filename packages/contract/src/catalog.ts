/**
 * The event catalog: the one list of event types Herald knows. The database's
 * `event_types` table is seeded from it, validation accepts only these names,
 * and routing reads categories and critical flags from here.
 */
export const EVENT_CATEGORIES = ["job", "review", "system", "collaboration"] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

/**
 * Categories of the events Herald itself puts on the bus (second wave, "Links and actions"):
 * stored and delivered to subscriptions like any event, never routed to users, so they have no
 * preferences and producers cannot publish them.
 */
export const BUS_CATEGORIES = ["notification"] as const;
export type BusCategory = (typeof BUS_CATEGORIES)[number];

export interface EventTypeDefinition {
  readonly name: string;
  readonly category: EventCategory;
  /** Critical events reach every admin whatever their preferences, DND or digest. */
  readonly critical: boolean;
  readonly description: string;
  /** Short human title shown in the notification center. */
  readonly title: string;
}

/** A type Herald publishes itself: like the others, but of a bus category. */
export interface BusEventTypeDefinition extends Omit<EventTypeDefinition, "category"> {
  readonly category: BusCategory;
}
export type StreamEventTypeDefinition = EventTypeDefinition | BusEventTypeDefinition;

const define = <const T extends readonly EventTypeDefinition[]>(types: T): T => types;
const defineBus = <const T extends readonly BusEventTypeDefinition[]>(types: T): T => types;

export const EVENT_TYPES = define([
  { name: "job.submitted", category: "job", critical: false, title: "Job submitted", description: "A job was submitted to the queue" },
  { name: "job.started", category: "job", critical: false, title: "Job started", description: "A job started executing" },
  { name: "job.progress", category: "job", critical: false, title: "Job progress", description: "Job progress update" },
  { name: "job.completed", category: "job", critical: false, title: "Job completed", description: "A job completed successfully" },
  { name: "job.failed", category: "job", critical: false, title: "Job failed", description: "A job failed" },
  { name: "job.cancelled", category: "job", critical: false, title: "Job cancelled", description: "A job was cancelled" },
  { name: "review.submitted", category: "review", critical: false, title: "Review requested", description: "Content submitted for review" },
  { name: "review.approved", category: "review", critical: false, title: "Review approved", description: "Content approved" },
  { name: "review.rejected", category: "review", critical: false, title: "Review rejected", description: "Content rejected" },
  { name: "review.comment", category: "review", critical: false, title: "New review comment", description: "Review comment added" },
  { name: "system.disk_warning", category: "system", critical: true, title: "Disk space low", description: "Disk space below threshold" },
  {
    name: "system.gpu_warning",
    category: "system",
    critical: true,
    title: "GPU running hot",
    description: "GPU temperature above threshold",
  },
  { name: "system.gpu_critical", category: "system", critical: true, title: "GPU critical", description: "GPU temperature critical" },
  { name: "system.restart", category: "system", critical: true, title: "Service restarted", description: "Service restarted" },
  { name: "collab.mention", category: "collaboration", critical: false, title: "You were mentioned", description: "User was mentioned" },
  { name: "collab.lock", category: "collaboration", critical: false, title: "Item locked", description: "Entity locked by another user" },
] as const);

/** The types users are notified of: what producers publish and preferences are about. */
export type EventTypeName = (typeof EVENT_TYPES)[number]["name"];

/** Herald's own events (BUS_CATEGORIES): `notification.action` when a user acts on a notification's button. */
export const BUS_EVENT_TYPES = defineBus([
  {
    name: "notification.action",
    category: "notification",
    critical: false,
    title: "Notification action",
    description: "A user acted on a notification's action button",
  },
] as const);
export type BusEventTypeName = (typeof BUS_EVENT_TYPES)[number]["name"];

/** Every type an event on the stream may have (the `event_types` table holds them all). */
export type StreamEventTypeName = EventTypeName | BusEventTypeName;
export const STREAM_EVENT_TYPES: readonly StreamEventTypeDefinition[] = [...EVENT_TYPES, ...BUS_EVENT_TYPES];

const BY_NAME: ReadonlyMap<string, EventTypeDefinition> = new Map(EVENT_TYPES.map((t) => [t.name, t]));
const BUS_BY_NAME: ReadonlyMap<string, BusEventTypeDefinition> = new Map(BUS_EVENT_TYPES.map((t) => [t.name, t]));

/** A type users are notified of (and producers may publish). */
export function isEventTypeName(name: string): name is EventTypeName {
  return BY_NAME.has(name);
}

/** A type Herald itself publishes, never routed to users. */
export function isBusEventTypeName(name: string): name is BusEventTypeName {
  return BUS_BY_NAME.has(name);
}

export function isStreamEventTypeName(name: string): name is StreamEventTypeName {
  return BY_NAME.has(name) || BUS_BY_NAME.has(name);
}

export function getEventType<T extends StreamEventTypeName>(
  name: T,
): T extends EventTypeName ? EventTypeDefinition : StreamEventTypeDefinition {
  // Safe: the names are derived from the same lists the maps are built from (and T narrows which).
  return (BY_NAME.get(name) ?? BUS_BY_NAME.get(name)!) as T extends EventTypeName ? EventTypeDefinition : StreamEventTypeDefinition;
}
