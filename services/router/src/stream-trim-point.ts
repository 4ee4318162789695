/** Where one consumer group of the event stream stands. */
export interface GroupPosition {
  readonly name: string;
  /** The last entry the group was given. */
  readonly lastDelivered: string;
  /** Its oldest entry given but not acknowledged; null when none is. */
  readonly oldestPending: string | null;
}

const parse = (id: string): [bigint, bigint] => {
  const [ms, seq] = id.split("-");
  return [BigInt(ms ?? "0"), BigInt(seq ?? "0")];
};

/** Stream ids compared as Redis orders them (milliseconds, then sequence). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parse(a);
  const [bm, bs] = parse(b);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/** The smallest stream id greater than `id`. */
export function nextStreamId(id: string): string {
  const [ms, seq] = parse(id);
  return `${ms}-${seq + 1n}`;
}

/**
 * The MINID the event stream may be trimmed to: every entry below it was
 * given to every group (the router's and each `@herald/sdk` subscriber's)
 * and acknowledged by it. Entries older than retention (`retentionMinId`)
 * go whatever the groups say: a subscriber gone for longer than that loses
 * what retention ends, as the events table does. Pure.
 */
export function streamTrimPoint(groups: readonly GroupPosition[], retentionMinId: string): string {
  let point: string | undefined;
  for (const g of groups) {
    const done = g.oldestPending ?? nextStreamId(g.lastDelivered);
    if (point === undefined || compareStreamIds(done, point) < 0) point = done;
  }
  if (point === undefined || compareStreamIds(point, retentionMinId) < 0) return retentionMinId;
  return point;
}
