/** setTimeout fires at once for delays above this (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type ExpiryCheck = { readonly expired: true } | { readonly expired: false; readonly checkAgainInMs: number | undefined };

/**
 * Whether a token expiring at `expiresAt` (seconds since the epoch, the JWT
 * `exp`) has expired at `nowMs`, and if not, when to look again: at expiry,
 * or at the longest timer Node allows when expiry is further away than that.
 * No `exp` means the token never expires.
 */
export function checkExpiry(expiresAt: number | undefined, nowMs: number): ExpiryCheck {
  if (expiresAt === undefined) return { expired: false, checkAgainInMs: undefined };
  const remaining = expiresAt * 1000 - nowMs;
  if (remaining <= 0) return { expired: true };
  return { expired: false, checkAgainInMs: Math.min(remaining, MAX_TIMER_MS) };
}
