import type { DigestInterval } from "@herald/contract";

export interface DigestClock {
  readonly intervalMs: { readonly hourly: number; readonly daily: number };
}

/**
 * A user's digest is due once a whole interval has passed since the last one
 * (or since digest mode was switched on). Pure.
 */
export function isDigestDue(lastSentAt: Date | null, interval: DigestInterval, clock: DigestClock, now: Date): boolean {
  if (lastSentAt === null) return true;
  return now.getTime() - lastSentAt.getTime() >= clock.intervalMs[interval];
}
