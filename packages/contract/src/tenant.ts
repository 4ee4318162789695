/**
 * Tenants: every user and every event belongs to exactly one. Tokens carry
 * it as the `tenant` claim; a token without one speaks for `default`, so an
 * installation from before tenants keeps working unchanged.
 */
export const DEFAULT_TENANT = "default";

/**
 * The `tenant` of a platform producer (e.g. the hardware monitor): it names
 * the tenant per event (`tenantId`) and belongs to none itself. Never a
 * user's tenant.
 */
export const PLATFORM_TENANT = "*";

const TENANT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** A tenant id as the contract spells it: `[A-Za-z0-9_.-]{1,64}`. */
export function isTenantId(value: unknown): value is string {
  return typeof value === "string" && TENANT_ID.test(value);
}

/**
 * Between a tenant and an id in a storage key. A token's `sub` and every user
 * id an event names are refused with a control character in them, so no id
 * of `default` can ever equal another tenant's key.
 */
const KEY_SEPARATOR = "\u001f";

/**
 * Where an id (a user's, a producer's) is stored: ids are unique within their
 * tenant only (two organizations may both have a user "42"), so every user-
 * keyed row, room and cache is keyed by this. `default`'s ids are their own
 * key, so an installation from before tenants keeps its rows as they were.
 */
export function tenantKey(tenant: string, id: string): string {
  return tenant === DEFAULT_TENANT ? id : `${tenant}${KEY_SEPARATOR}${id}`;
}

/** The tenant and the id a `tenantKey` was made of: the id is what the outside world calls it. */
export function splitTenantKey(key: string): { readonly tenant: string; readonly id: string } {
  const at = key.indexOf(KEY_SEPARATOR);
  return at < 0 ? { tenant: DEFAULT_TENANT, id: key } : { tenant: key.slice(0, at), id: key.slice(at + 1) };
}

/**
 * The tenant an event belongs to, from its producer token's tenant and the
 * `tenantId` the event names, if any. A platform producer (`*`) names it,
 * `default` when it does not; any other producer's events are its own
 * tenant's, and naming another one is refused (`undefined`: 403 tenant_forbidden).
 */
export function eventTenant(producerTenant: string, named: string | undefined): string | undefined {
  if (producerTenant === PLATFORM_TENANT) return named ?? DEFAULT_TENANT;
  return named === undefined || named === producerTenant ? producerTenant : undefined;
}
