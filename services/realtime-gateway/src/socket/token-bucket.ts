/** A token bucket's state: `tokens` available as of `at` (ms). */
export interface TokenBucket {
  readonly tokens: number;
  readonly at: number;
}

export interface BucketLimits {
  /** Tokens added per second: the sustained rate. */
  readonly ratePerSecond: number;
  /** Capacity: how many may be taken at once after a quiet spell. */
  readonly burst: number;
}

export function fullBucket(limits: BucketLimits, now: number): TokenBucket {
  return { tokens: limits.burst, at: now };
}

/** Refills for the time elapsed (never past `burst`) and takes one token if there is one. */
export function takeToken(
  bucket: TokenBucket,
  limits: BucketLimits,
  now: number,
): { readonly allowed: boolean; readonly bucket: TokenBucket } {
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(limits.burst, bucket.tokens + (elapsed / 1000) * limits.ratePerSecond);
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
  return { allowed: false, bucket: { tokens, at: now } };
}
