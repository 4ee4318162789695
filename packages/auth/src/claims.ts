import { isEventTypePattern, matchesAnyEventTypePattern } from "@herald/contract";

/** Who a verified bearer token speaks for. */
export interface UserPrincipal {
  readonly kind: "user";
  /**
   * Who the user is within Herald: `tenantKey(tenant, sub)`, the key of every
   * row, room and cache of theirs, so that a user "42" of one tenant never
   * reads another's.
   */
  readonly userId: string;
  /** The token's `sub`: the user's id as their tenant (and its events) name them. */
  readonly subject: string;
  /** The user's tenant (`default` when the token has no `tenant` claim); never the platform tenant `*`. */
  readonly tenant: string;
  readonly role: "admin" | "user";
  readonly email?: string;
  /** Absent when the token carries no `projects` claim (the stored list then stands). */
  readonly projects?: readonly string[];
  /** Seconds since the epoch, when the token stops being valid. */
  readonly expiresAt?: number;
}

export interface ServicePrincipal {
  readonly kind: "service";
  readonly subject: string;
  /**
   * The producer's tenant (`default` when the token has no `tenant` claim), or
   * `*` for a platform producer, which names the tenant in each event.
   */
  readonly tenant: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: number;
}

export type Principal = UserPrincipal | ServicePrincipal;

export const PUBLISH_SCOPE = "events:publish";

/** Lets a producer (service) token manage its tenant's webhook subscriptions (`/api/v1/subscriptions`). */
export const SUBSCRIBE_SCOPE = "events:subscribe";

/**
 * Which event types a producer token may publish. `events:publish` allows
 * every type; `events:publish:<pattern>` only those its pattern matches: an
 * exact type (`job.completed`) or every type under a prefix (`system.*`).
 * A token's publish scopes add up.
 */
export type PublishGrant = { readonly anyType: true } | { readonly anyType: false; readonly typePatterns: readonly string[] };

/** A publish scope's pattern: a type or a prefix (`system.*`); every type is the plain `events:publish` scope, not `*`. */
export function isPublishTypePattern(pattern: string): boolean {
  return pattern !== "*" && isEventTypePattern(pattern);
}

/** The scope that grants publishing the types `typePattern` matches, or every type without one. */
export function publishScope(typePattern?: string): string {
  if (typePattern === undefined) return PUBLISH_SCOPE;
  if (!isPublishTypePattern(typePattern)) {
    throw new Error(`not an event type pattern: ${JSON.stringify(typePattern)} (an event type, or a prefix ending in .*, e.g. system.*)`);
  }
  return `${PUBLISH_SCOPE}:${typePattern}`;
}

/**
 * What a token's scopes let it publish; undefined when nothing. A publish
 * scope whose pattern is malformed grants nothing: a typo must not widen
 * what a token may do.
 */
export function publishGrant(scopes: readonly string[]): PublishGrant | undefined {
  if (scopes.includes(PUBLISH_SCOPE)) return { anyType: true };
  const prefix = `${PUBLISH_SCOPE}:`;
  const typePatterns = scopes
    .filter((s) => s.startsWith(prefix))
    .map((s) => s.slice(prefix.length))
    .filter(isPublishTypePattern);
  return typePatterns.length > 0 ? { anyType: false, typePatterns } : undefined;
}

/** `system.*` matches `system.gpu_critical` (and not `system` itself, nor `systemd.x`); any other pattern only its own type. */
export function grantAllows(grant: PublishGrant, eventType: string): boolean {
  return grant.anyType || matchesAnyEventTypePattern(grant.typePatterns, eventType);
}
