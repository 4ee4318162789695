/**
 * Whether a request from `origin` may use the gateway. `allowed` undefined
 * means any origin (the default: auth is by bearer token, never a cookie, so
 * another site gains nothing by connecting). Requests without an Origin
 * header come from non-browser clients, which origin rules cannot constrain
 * anyway, and are let through. Origins compare exactly, as browsers send
 * them (scheme://host[:port], no trailing slash).
 */
export function originAllowed(origin: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined || origin === undefined) return true;
  return allowed.includes(origin);
}
