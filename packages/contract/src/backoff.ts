/** How a retry delay is randomised. */
export type Jitter =
  /** A uniformly random delay below the ceiling: spreads many clients that failed together the most. */
  | "full"
  /** Between half the ceiling and the ceiling: still spread, never much shorter than planned. */
  | "equal"
  /** Exactly the ceiling. */
  | "none";

export interface BackoffOptions {
  /** The first retry's ceiling. */
  readonly initialMs: number;
  /** No delay exceeds this, however many attempts failed. */
  readonly maxMs: number;
  /** @defaultValue "full" */
  readonly jitter?: Jitter;
}

/**
 * Capped exponential backoff, the one every retry loop of Herald uses: the
 * ceiling is initialMs · 2^(attempt−1), at most maxMs, randomised by `jitter`.
 * `attempt` counts the failures so far, from 1; `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  switch (options.jitter ?? "full") {
    case "full":
      return Math.floor(random() * ceiling);
    case "equal":
      return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
    case "none":
      return ceiling;
  }
}
