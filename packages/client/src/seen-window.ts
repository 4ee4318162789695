import { CATCH_UP_WINDOW } from "@herald/contract";

/**
 * The `seenIds` a reconnect sends: the ids this client received above
 * `floor` (where its knowledge starts: the cursor it began with, or the
 * oldest id of a truncated catch-up) and at or below its cursor, newest
 * first, then `floor` itself, at most `max` in all. The gateway replays what
 * it has between the lowest of them and the cursor that is not listed: a
 * notification committed after a newer one, while this client was away.
 * Past `max`, the oldest are left out (and the window shrinks to the newest).
 */
export function seenWindow(seen: Iterable<number>, floor: number, cursor: number, max = CATCH_UP_WINDOW): number[] {
  const ids = [...seen].filter((id) => id > floor && id <= cursor).sort((a, b) => b - a);
  return ids.length >= max ? ids.slice(0, max) : [...ids, floor];
}
