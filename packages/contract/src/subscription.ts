import { STREAM_EVENT_TYPES, isStreamEventTypeName } from "./catalog";
import { matchesAnyEventTypePattern } from "./event-type-pattern";

/** A webhook subscription's state: a paused one is not delivered to (replay fetches what it missed). */
export const SUBSCRIPTION_STATUSES = ["active", "paused"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Subscription ids: `sub_` and 24 base62-ish characters (randomness from the service that creates them). */
export const SUBSCRIPTION_ID_PATTERN = /^sub_[A-Za-z0-9]{1,64}$/;

/** The channel name subscription deliveries carry in `deliveries` (beside `email` and `webhook`). */
export const SUBSCRIPTION_CHANNEL = "subscription";

/** At most this many patterns per subscription: each is an index entry the router holds per tenant. */
export const MAX_SUBSCRIPTION_PATTERNS = 50;

/** Beyond the type: only events of this project, or whose `source.type` is this. */
export interface SubscriptionFilter {
  readonly projectId?: string;
  readonly sourceType?: string;
}

/** A subscription as its owner (and the tenant's admins) see it: never its secret, which only creation answers. */
export interface SubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly filter: SubscriptionFilter;
  readonly description: string | null;
  readonly status: SubscriptionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One recent delivery of a subscription (GET /api/v1/subscriptions/:id). */
export interface SubscriptionOutcome {
  readonly deliveryId: string;
  readonly eventId: string;
  /** Set for a delivery made by a replay. */
  readonly replayId: string | null;
  readonly status: string;
  readonly attempts: number;
  /** HTTP status of the latest attempt, as text. */
  readonly lastResponse: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The type prefixes a `prefix.*` pattern may name: those of the catalog's types (`job`, `review`, `system`, `collab`, `notification`). */
export const SUBSCRIPTION_TYPE_PREFIXES: readonly string[] = [...new Set(STREAM_EVENT_TYPES.map((t) => t.name.split(".")[0]!))];

/**
 * What is wrong with a subscription pattern, or undefined: an exact type of
 * the catalog (Herald's own `notification.action` included), `prefix.*` of a
 * prefix the catalog's types have, or `*`. A pattern that can never match
 * is refused rather than stored silent.
 */
export function subscriptionPatternProblem(pattern: string): string | undefined {
  if (pattern === "*") return undefined;
  if (pattern.endsWith(".*")) {
    const prefix = pattern.slice(0, -2);
    return SUBSCRIPTION_TYPE_PREFIXES.includes(prefix)
      ? undefined
      : `unknown category ${JSON.stringify(prefix)}: use one of ${SUBSCRIPTION_TYPE_PREFIXES.map((p) => `${p}.*`).join(", ")}`;
  }
  return isStreamEventTypeName(pattern) ? undefined : "must be an event type of the catalog, a category such as job.*, or *";
}

/** The catalog's types a list of patterns covers: how stored events are selected by pattern (a replay), with the matcher routing uses. */
export function typesMatching(patterns: readonly string[]): string[] {
  return STREAM_EVENT_TYPES.filter((t) => matchesAnyEventTypePattern(patterns, t.name)).map((t) => t.name);
}
