export interface BackoffOptions {
  /** Upper bound of the first retry's delay. */
  readonly initialDelayMs: number;
  /** No delay exceeds this, however many attempts failed. */
  readonly maxDelayMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniformly random delay below
 * initial * 2^(retry-1), capped. Randomising the whole delay (not just a
 * margin) keeps many producers that failed together from retrying together.
 * `retry` counts from 1; `random` returns a number in [0, 1).
 */
export function backoffDelay(retry: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Seconds or an HTTP date from a Retry-After header, in milliseconds; undefined
 * when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
