import {
  isDndActive,
  type Channel,
  type DecisionOutcome,
  type NotificationSettings,
  type Preference,
  type Relation,
} from "@herald/contract";

/**
 * How a user is connected to an event: `direct` (named by it: owner,
 * reviewer, mentioned, explicit recipient), `project` (a member of its
 * project), `other` (neither: reachable only through scope `all`), `admin`
 * (an admin a critical event reaches whatever their scope; otherwise like `other`).
 */
export type { Relation };

export interface DeliveryCandidate {
  readonly relation: Relation;
  readonly isAdmin: boolean;
  readonly preference: Preference;
  /** The preference is the tenant's required default, whatever the user's own says. */
  readonly required?: boolean;
  readonly settings: Pick<NotificationSettings, "dndEnabled" | "dndUntil" | "digestEnabled" | "digestTypes">;
}

export interface EventFacts {
  readonly type: string;
  readonly critical: boolean;
}

export type DropReason = "disabled" | "muted" | "out_of_scope";

export type Decision =
  | { readonly action: "drop"; readonly reason: DropReason }
  /** Dispatch now on these channels. */
  | { readonly action: "deliver"; readonly channels: readonly Channel[] }
  /** Store now, dispatch when DND ends. */
  | { readonly action: "hold"; readonly channels: readonly Channel[] }
  /** Store now, summarize in the user's next digest. */
  | { readonly action: "digest"; readonly channels: readonly Channel[] };

const CRITICAL_ADMIN_CHANNELS: readonly Channel[] = ["in_app", "email"];

function inScope(relation: Relation, scope: Preference["scope"]): boolean {
  switch (relation) {
    case "direct":
      return true;
    case "project":
      return scope === "my_projects" || scope === "all";
    case "other":
    case "admin":
      return scope === "all";
  }
}

/**
 * What one user gets for one event, in the contract's order:
 * 1. a critical event reaches every admin in-app and by email, whatever their
 *    preferences, DND or digest (plus any other channel they chose);
 * 2. a disabled or muted type delivers nothing;
 * 3. the scope decides whether project members and others hear of it;
 * 4. critical events are never held or digested;
 * 5. digested types wait for the digest (this also covers DND: a digested
 *    type is not pushed live either way, and the digest waits for DND);
 * 6. DND holds the rest until it ends;
 * 7. otherwise, deliver now on the chosen channels.
 * Pure: no I/O, `now` is given.
 */
export function decideDelivery(event: EventFacts, candidate: DeliveryCandidate, now: Date): Decision {
  const { preference, settings } = candidate;
  if (event.critical && candidate.isAdmin) {
    const chosen = preference.enabled ? preference.channels : [];
    return { action: "deliver", channels: [...new Set([...CRITICAL_ADMIN_CHANNELS, ...chosen])] };
  }
  if (!preference.enabled) return { action: "drop", reason: "disabled" };
  if (preference.channels.length === 0) return { action: "drop", reason: "muted" };
  if (!inScope(candidate.relation, preference.scope)) return { action: "drop", reason: "out_of_scope" };
  const channels = preference.channels;
  if (event.critical) return { action: "deliver", channels };
  if (settings.digestEnabled && (settings.digestTypes as readonly string[]).includes(event.type)) return { action: "digest", channels };
  if (isDndActive(settings, now)) return { action: "hold", channels };
  return { action: "deliver", channels };
}

/** A decision as its record says it: the outcome and, in words, why. */
export interface DecisionSummary {
  readonly outcome: DecisionOutcome;
  readonly channels: readonly Channel[];
  readonly reason: string;
}

const list = (channels: readonly Channel[]) => channels.join(", ");

function outOfScopeReason(relation: Relation, scope: Preference["scope"], type: string): string {
  if (relation === "project")
    return `scope ${scope}: you hear of ${type} only when it names you, and it names you not (you are a member of its project)`;
  const beyond = scope === "my_projects" ? " nor belongs to one of your projects" : "";
  return `scope ${scope}: the event neither names you${beyond}`;
}

/**
 * The record of `decision` for `candidate`: what a user (or their admin)
 * reads when asking why they did or did not get the event. Pure: no I/O.
 */
export function summarizeDecision(event: EventFacts, candidate: DeliveryCandidate, decision: Decision, now: Date): DecisionSummary {
  const { preference, settings } = candidate;
  switch (decision.action) {
    case "drop":
      return {
        outcome: decision.reason,
        channels: [],
        reason:
          decision.reason === "disabled"
            ? `${event.type} is switched off in your preferences`
            : decision.reason === "muted"
              ? `no channel is on for ${event.type} in your preferences`
              : outOfScopeReason(candidate.relation, preference.scope, event.type),
      };
    case "hold": {
      const until = settings.dndUntil ? ` until ${settings.dndUntil.toISOString()}` : "";
      return { outcome: "held", channels: decision.channels, reason: `do-not-disturb is on${until}: held, delivered when it ends` };
    }
    case "digest":
      return { outcome: "digest", channels: decision.channels, reason: `${event.type} goes into your digest` };
    case "deliver": {
      const own = preference.enabled && preference.channels.length > 0 && inScope(candidate.relation, preference.scope);
      // Critical events go past do-not-disturb for everyone, and past any preference for admins.
      if (event.critical && (!own || isDndActive(settings, now))) {
        const past = own ? "do-not-disturb" : "your preferences";
        return {
          outcome: "critical_bypass",
          channels: decision.channels,
          reason: `critical: delivered on ${list(decision.channels)} past ${past}`,
        };
      }
      if (candidate.required) {
        return {
          outcome: "required",
          channels: decision.channels,
          reason: `required by your organization: delivered on ${list(decision.channels)}`,
        };
      }
      return { outcome: "delivered", channels: decision.channels, reason: `delivered on ${list(decision.channels)}` };
    }
  }
}
