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
