import {
  defaultPreference,
  DEFAULT_SETTINGS,
  DEFAULT_TENANT,
  directRecipients,
  getEventType,
  tenantKey,
  type Channel,
  type EventTypeName,
  type HeraldEvent,
  type NotificationSettings,
  type Preference,
} from "@herald/contract";
import { decideDelivery, summarizeDecision, type DecisionSummary, type Relation } from "./decide-delivery";
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
  const definition = getEventType(event.type);
  const tenant = tenantOf(event);
  const found = new Map<string, Relation>();
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
  const definition = getEventType(event.type);
  const facts = { type: event.type, critical: definition.critical };
  const { title, body } = renderNotification(event);
  const drafts: NotificationDraft[] = [];
  const decisions: DecisionDraft[] = [];
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
    decisions.push({ eventId: event.id, userId, relation, ...summarizeDecision(facts, candidate, decision, now) });
    if (decision.action === "drop") continue;
    const status: DraftStatus = decision.action === "deliver" ? "pending" : decision.action === "hold" ? "held" : "digest";
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
    });
  }
  return { drafts, decisions };
}
