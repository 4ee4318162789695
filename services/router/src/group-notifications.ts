import type { HeraldEvent } from "@herald/contract";

/** How many of a group's latest events its notification lists (`payload.items`). */
export const GROUP_ITEM_LIMIT = 10;

/** The group an event's notifications join, if any. */
export interface EventGroup {
  /** Stored as `notifications.group_key`: one open notification per user, type and key. */
  readonly key: string;
  /** What the title says after the count when the notification stands for several events; none: the latest title stays. */
  readonly summary: string | null;
  /** The group closes GROUP_WINDOW_MS after its first event; a job's progress stays one notification while unread. */
  readonly windowed: boolean;
}

/** What a summary title calls several events of a type ("5 jobs completed"). */
const PLURALS: Readonly<Record<string, string>> = {
  "job.submitted": "jobs submitted",
  "job.started": "jobs started",
  "job.completed": "jobs completed",
  "job.failed": "jobs failed",
  "job.cancelled": "jobs cancelled",
  "review.submitted": "items waiting for your review",
  "review.approved": "reviews approved",
  "review.rejected": "reviews rejected",
  "review.comment": "new review comments",
  "system.disk_warning": "disk space warnings",
  "system.gpu_warning": "GPU temperature warnings",
  "system.gpu_critical": "critical GPU alerts",
  "system.restart": "service restarts",
  "collab.mention": "mentions",
  "collab.lock": "items locked",
};

/**
 * The group of an event (contract: "Grouping, throttling and progress"): its
 * `groupKey`, or for `job.progress` without one, its source (one notification
 * per job, updated in place). Pure.
 */
export function groupOf(event: HeraldEvent): EventGroup | undefined {
  if (event.groupKey !== undefined) {
    const plural = PLURALS[event.type];
    // A job's progress keeps its latest title whatever its key.
    const summary = plural === undefined ? null : event.projectId ? `${plural} in ${event.projectId}` : plural;
    return { key: `key:${event.groupKey}`, summary, windowed: event.type !== "job.progress" };
  }
  if (event.type === "job.progress" && event.source) {
    return { key: `source:${event.source.type}:${event.source.id}`, summary: null, windowed: false };
  }
  return undefined;
}

/** A grouped notification's title for `count` events: the summary after the count, or the latest event's own title. */
export function groupTitle(count: number, summary: string | null, title: string): string {
  return count > 1 && summary !== null ? `${count} ${summary}` : title;
}

/** One event of a group, as its notification lists it (newest first). */
export interface GroupItem {
  readonly eventId: string;
  readonly title: string;
  readonly body: string;
  readonly occurredAt: string;
}

/** What merging needs of a draft: which notification row it belongs to and what it adds. */
export interface Groupable {
  readonly eventId: string;
  readonly userId: string;
  readonly eventType: string;
  readonly groupKey: string | null;
}

/**
 * Merges the drafts of one batch that fall in one group (user, type, key) into
 * their first, in batch order: `merge(first, later)` folds each later draft in
 * and returns the result, and each later one is reported to `onMerged`.
 * Drafts without a group pass as they are. A draft repeated (the same event
 * and user, an entry the stream delivered twice) counts once. Pure.
 */
export function mergeGroups<T extends Groupable>(drafts: readonly T[], merge: (into: T, next: T) => T, onMerged: (merged: T) => void): T[] {
  const out: T[] = [];
  const at = new Map<string, number>();
  const seen = new Set<string>();
  for (const draft of drafts) {
    const once = JSON.stringify([draft.eventId, draft.userId]);
    if (seen.has(once)) continue;
    seen.add(once);
    if (draft.groupKey === null) {
      out.push(draft);
      continue;
    }
    const group = JSON.stringify([draft.userId, draft.eventType, draft.groupKey]);
    const index = at.get(group);
    if (index === undefined) {
      at.set(group, out.length);
      out.push(draft);
    } else {
      out[index] = merge(out[index]!, draft);
      onMerged(draft);
    }
  }
  return out;
}

/**
 * The items a notification lists after `later` joined `items`: newest first by
 * `occurredAt` (ISO strings, so comparable as text; ties: `later` first, as
 * stored later), at most GROUP_ITEM_LIMIT. The writer's SQL keeps the same order.
 */
export function latestItems(later: readonly GroupItem[], items: readonly GroupItem[]): GroupItem[] {
  // Array.prototype.sort is stable: among equal times `later` stays ahead.
  return [...later, ...items]
    .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0))
    .slice(0, GROUP_ITEM_LIMIT);
}

/** Whether `next` is at least as recent as the group's latest item: then its body, payload, link and actions are the notification's. */
export function isLatest(next: readonly GroupItem[], items: readonly GroupItem[]): boolean {
  const incoming = next[0]?.occurredAt ?? "";
  const current = items[0]?.occurredAt ?? "";
  return incoming >= current;
}
