import { isDndActive, type Channel, type NotificationSettings, type Preference } from "@herald/contract";

/** How a user is connected to an event. */
export type Relation =
  /** Named by the event (owner, reviewer, mentioned, explicit recipient). */
  | "direct"
  /** A member of the event's project. */
  | "project"
  /** Neither: reachable only through scope `all`. */
  | "other";

export interface DeliveryCandidate {
  readonly relation: Relation;
  readonly isAdmin: boolean;
  readonly preference: Preference;
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
