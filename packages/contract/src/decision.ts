import type { Channel } from "./preferences";

/** How a candidate is connected to an event (the relation of a decision record). */
export const RELATIONS = ["direct", "project", "other", "admin"] as const;
export type Relation = (typeof RELATIONS)[number];

/** What routing did for one candidate recipient of one event. */
export const DECISION_OUTCOMES = [
  "delivered",
  "held",
  "digest",
  "grouped",
  "throttled",
  "muted",
  "disabled",
  "out_of_scope",
  "critical_bypass",
  "required",
] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/**
 * Why a user did or did not get an event: one per candidate recipient, kept
 * as long as the event (`GET /api/v1/admin/events/:eventId/decisions`,
 * `GET /api/v1/notifications/explain?eventId=`).
 */
export interface DecisionRecord {
  readonly eventId: string;
  /** As the tenant names the user. */
  readonly userId: string;
  readonly relation: Relation;
  readonly outcome: DecisionOutcome;
  /** The channels it went (or will go) out on; empty when nothing was sent. */
  readonly channels: readonly Channel[];
  readonly reason: string;
}

/** `GET /api/v1/notifications/explain` for a user who was no candidate at all. */
export interface NotARecipient {
  readonly eventId: string;
  readonly outcome: "not_a_recipient";
  readonly reason: string;
}
