import {
  ACKNOWLEDGE_ACTION,
  alertOf,
  defaultPreference,
  isEventTypeName,
  DEFAULT_SETTINGS,
  DEFAULT_TENANT,
  directRecipients,
  getEventType,
  tenantKey,
  type Channel,
  type EventTypeName,
  type HeraldEvent,
  type NotificationAction,
  type NotificationSettings,
  type Preference,
} from "@herald/contract";
import { decideDelivery, summarizeDecision, type DecisionSummary, type Relation } from "./decide-delivery";
import { groupOf, groupTitle, isLatest, latestItems, mergeGroups, type GroupItem } from "./group-notifications";
import { renderNotification } from "./render-notification";

/** What routing knows about one user. */
export interface UserProfile {
  readonly isAdmin: boolean;
  /** What applies per type: their own, or their tenant's default (effectivePreference). */
  readonly preferences: ReadonlyMap<string, Preference>;
  /** Types whose preference is their tenant's required default. */
  readonly required?: ReadonlySet<string>;
  readonly settings: Pick<NotificationSettings, "dndEnabled" | "dndUntil" | "digestEnabled" | "digestTypes">;
}

export const DEFAULT_PROFILE: UserProfile = { isAdmin: false, preferences: new Map(), settings: DEFAULT_SETTINGS };

/** One tenant's admins and subscribers beyond their own events, by user key. */
export interface ScopeIndex {
  readonly admins: readonly string[];
  /** Users with scope my_projects or all for the type who belong to the project. */
  projectMembers(type: EventTypeName, projectId: string): readonly string[];
  /** Users with scope all for the type. */
  everyoneSubscribers(type: EventTypeName): readonly string[];
}

export type DraftStatus = "pending" | "held" | "digest";

/** The decision record of one candidate (userId by key). */
export interface DecisionDraft extends DecisionSummary {
  readonly eventId: string;
  readonly userId: string;
  readonly relation: Relation;
  /**
   * The group its notification joins, if any (with its type): the writer
   * records `grouped` when that group's notification was already open.
   */
  readonly eventType: string;
  readonly groupKey: string | null;
}

/** What routing one event decided: the notifications to create, and a record per candidate. */
export interface RoutedEvent {
  readonly drafts: NotificationDraft[];
  readonly decisions: DecisionDraft[];
}

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
  readonly status: DraftStatus;
  readonly url: string | null;
  readonly actions: readonly NotificationAction[] | null;
  /** How many events it stands for (more than 1 once the batch's drafts of one group are merged). */
  readonly count: number;
  /** Its group (groupOf), only for notifications delivered now: held and digested ones stay one per event. */
  readonly groupKey: string | null;
  readonly groupSummary: string | null;
  /** Its group closes GROUP_WINDOW_MS after it opened. */
  readonly windowed: boolean;
  /** A grouped notification keeps its own payload (its latest event's, with `items`); others show their event's. */
  readonly payload: Readonly<Record<string, unknown>> | null;
  readonly items: readonly GroupItem[] | null;
  /** The latest event merged into it. */
  readonly lastEventId: string;
  /** A hardware alert's id and severity: the writer stores a firing repeat of an acknowledged alert silenced. */
  readonly alertId: string | null;
  readonly severity: string | null;
  readonly resolved: boolean;
}

/** The tenant an event belongs to: entries from before tenants are `default`'s. */
export const tenantOf = (event: HeraldEvent): string => event.tenantId ?? DEFAULT_TENANT;

/**
 * Every user who might hear of the event, with the strongest relation each
 * has to it, by user key (`tenantKey`): the user ids the event names are its
 * tenant's, and `scopes` is its tenant's index, so no one of another tenant
 * is ever a candidate.
 */
export function candidates(event: HeraldEvent, scopes: ScopeIndex): Map<string, Relation> {
  const found = new Map<string, Relation>();
  // Herald's own events (notification.action) are for subscriptions, never for users.
  if (!isUserEvent(event)) return found;
  const definition = getEventType(event.type);
  const tenant = tenantOf(event);
  for (const userId of directRecipients(event)) found.set(tenantKey(tenant, userId), "direct");
  const actor = event.actorUserId === undefined ? undefined : tenantKey(tenant, event.actorUserId);
  const addIfNew = (userId: string, relation: Relation) => {
    if (!found.has(userId) && userId !== actor) found.set(userId, relation);
  };
  if (event.projectId) for (const userId of scopes.projectMembers(event.type, event.projectId)) addIfNew(userId, "project");
  for (const userId of scopes.everyoneSubscribers(event.type)) addIfNew(userId, "other");
  // Critical events reach every admin, the actor included.
  if (definition.critical) for (const userId of scopes.admins) if (!found.has(userId)) found.set(userId, "admin");
  return found;
}

const isUserEvent = (event: HeraldEvent): event is HeraldEvent & { readonly type: EventTypeName } => isEventTypeName(event.type);

/**
 * Decides which notifications one event produces for candidates already
 * found (the router finds them first, to load their profiles). Pure: no I/O.
 */
export function routeToCandidates(
  event: HeraldEvent,
  found: ReadonlyMap<string, Relation>,
  profileOf: (userId: string) => UserProfile,
  now: Date,
): RoutedEvent {
  const drafts: NotificationDraft[] = [];
  const decisions: DecisionDraft[] = [];
  if (!isUserEvent(event)) return { drafts, decisions };
  const definition = getEventType(event.type);
  const facts = { type: event.type, critical: definition.critical };
  const { title, body } = renderNotification(event);
  const group = groupOf(event);
  const alert = alertOf(event.type, event.payload);
  const withAcknowledge =
    alert && !alert.resolved && !event.actions?.some((a) => a.id === ACKNOWLEDGE_ACTION.id)
      ? [...(event.actions ?? []), ACKNOWLEDGE_ACTION]
      : (event.actions ?? null);
  for (const [userId, relation] of found) {
    const profile = profileOf(userId);
    const candidate = {
      relation,
      isAdmin: profile.isAdmin,
      preference: profile.preferences.get(event.type) ?? defaultPreference(event.type),
      required: profile.required?.has(event.type) ?? false,
      settings: profile.settings,
    };
    const decision = decideDelivery(facts, candidate, now);
    const status: DraftStatus | undefined =
      decision.action === "drop" ? undefined : decision.action === "deliver" ? "pending" : decision.action === "hold" ? "held" : "digest";
    const grouped = status === "pending" ? group : undefined;
    decisions.push({
      eventId: event.id,
      userId,
      relation,
      eventType: event.type,
      groupKey: grouped?.key ?? null,
      ...summarizeDecision(facts, candidate, decision, now),
    });
    if (status === undefined || decision.action === "drop") continue;
    drafts.push({
      eventId: event.id,
      userId,
      eventType: event.type,
      category: definition.category,
      critical: definition.critical,
      title,
      body,
      channels: decision.channels,
      status,
      url: event.url ?? null,
      // Every firing alert offers its admins the acknowledge button.
      actions: profile.isAdmin ? withAcknowledge : (event.actions ?? null),
      count: 1,
      groupKey: grouped?.key ?? null,
      groupSummary: grouped?.summary ?? null,
      windowed: grouped?.windowed ?? false,
      payload: grouped ? event.payload : null,
      items: grouped ? [{ eventId: event.id, title, body, occurredAt: event.occurredAt }] : null,
      lastEventId: event.id,
      alertId: alert?.alertId ?? null,
      severity: alert?.severity ?? null,
      resolved: alert?.resolved ?? false,
    });
  }
  return { drafts, decisions };
}

/** Why a notification stands for an event it was not created for. */
export const GROUPED_REASON = "grouped: counted in your unread notification of the same group, updated in place";

/**
 * Merges a batch's drafts of one group (user, type, key) into one notification
 * in batch order: the count adds up, the title is the group's summary, the
 * body, payload, link and actions are the latest event's (by occurredAt), the
 * items the latest GROUP_ITEM_LIMIT. Each merged event's decision says `grouped`. Pure.
 */
export function mergeGroupedDrafts(routed: RoutedEvent): RoutedEvent {
  const merged = new Set<string>();
  const drafts = mergeGroups(
    routed.drafts,
    (into, next) => {
      const count = into.count + next.count;
      // Events may be stored out of the order they happened in (several routers): the latest by occurredAt speaks.
      const latest = isLatest(next.items ?? [], into.items ?? []) ? next : into;
      return {
        ...into,
        count,
        title: groupTitle(count, latest.groupSummary, latest.title),
        body: latest.body,
        payload: latest.payload,
        items: latestItems(next.items ?? [], into.items ?? []),
        url: latest.url,
        actions: latest.actions,
        lastEventId: next.eventId,
      };
    },
    (d) => merged.add(JSON.stringify([d.eventId, d.userId])),
  );
  if (merged.size === 0) return { drafts, decisions: routed.decisions };
  const decisions = routed.decisions.map((d) =>
    merged.has(JSON.stringify([d.eventId, d.userId])) ? { ...d, outcome: "grouped" as const, reason: GROUPED_REASON } : d,
  );
  return { drafts, decisions };
}
