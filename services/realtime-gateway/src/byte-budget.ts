/**
 * How much of a user's notifications one catch-up or one list page carries:
 * a number of items and a number of bytes, so that neither a burst of small
 * notifications nor a few huge ones can make one answer (and the gateway's
 * memory while it builds it) unbounded.
 */

/** A notification that could go out, with the size of its text fields (payload as JSON, title, body). */
export interface SizedCandidate {
  readonly id: number;
  readonly bytes: number;
}

/**
 * Bytes an item costs besides its payload, title and body: ids, type,
 * category, flags and dates, and their JSON keys (about 250 in practice).
 */
export const ITEM_OVERHEAD_BYTES = 300;

/**
 * How many of `candidates`, taken in order, fit in `maxBytes`; always at
 * least one (when there is one), so that a single notification larger than
 * the budget still goes out and cannot block everything behind it.
 */
export function fitting(candidates: readonly SizedCandidate[], maxBytes: number): number {
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    total += candidates[i]!.bytes + ITEM_OVERHEAD_BYTES;
    if (total > maxBytes) return Math.max(i, 1);
  }
  return candidates.length;
}

export interface PageSelection {
  /** Ids to return, in the order given (newest first). */
  readonly ids: number[];
  /** More notifications follow the last one returned. */
  readonly hasMore: boolean;
}

/**
 * One list page from up to `limit + 1` candidates, newest first: the first
 * `limit` of them, fewer if they do not fit in `maxBytes`.
 */
export function selectPage(candidates: readonly SizedCandidate[], limit: number, maxBytes: number): PageSelection {
  const taken = fitting(candidates.slice(0, limit), maxBytes);
  return { ids: candidates.slice(0, taken).map((c) => c.id), hasMore: candidates.length > taken };
}

export interface ReplaySelection {
  /** Ids to replay, oldest first (the order they are sent in). */
  readonly ids: number[];
  /** Some candidates were left out: the client reloads its list. */
  readonly truncated: boolean;
}

/**
 * What a catch-up replays. `missed` are the notifications after the
 * client's cursor, newest first, up to `limit + 1` of them (one more than
 * may go out, to tell whether older ones were left out); `late` those below
 * the cursor the client says it lacks (committed after newer ones), newest
 * first. The newest are kept: at most `limit` missed ones, then late ones,
 * all within `maxBytes`; whatever is left out makes the catch-up truncated.
 */
export function selectReplay(
  missed: readonly SizedCandidate[],
  late: readonly SizedCandidate[],
  limit: number,
  maxBytes: number,
): ReplaySelection {
  // Past the limit, the rest (older missed ones, and every late one) is left out anyway.
  const ordered = missed.length > limit ? missed.slice(0, limit) : [...missed, ...late];
  const taken = fitting(ordered, maxBytes);
  return {
    ids: ordered
      .slice(0, taken)
      .map((c) => c.id)
      .sort((a, b) => a - b),
    truncated: taken < missed.length + late.length,
  };
}
