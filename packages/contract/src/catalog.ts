/**
 * The event catalog: the one list of event types Herald knows. The database's
 * `event_types` table is seeded from it, validation accepts only these names,
 * and routing reads categories and critical flags from here.
 */
export const EVENT_CATEGORIES = ["job", "review", "system", "collaboration"] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export interface EventTypeDefinition {
  readonly name: string;
  readonly category: EventCategory;
  /** Critical events reach every admin whatever their preferences, DND or digest. */
  readonly critical: boolean;
  readonly description: string;
  /** Short human title shown in the notification center. */
  readonly title: string;
}

const define = <const T extends readonly EventTypeDefinition[]>(types: T): T => types;

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

export type EventTypeName = (typeof EVENT_TYPES)[number]["name"];

const BY_NAME: ReadonlyMap<string, EventTypeDefinition> = new Map(EVENT_TYPES.map((t) => [t.name, t]));

export function isEventTypeName(name: string): name is EventTypeName {
  return BY_NAME.has(name);
}

export function getEventType(name: EventTypeName): EventTypeDefinition {
  // Safe: EventTypeName is derived from the same list the map is built from.
  return BY_NAME.get(name)!;
}
