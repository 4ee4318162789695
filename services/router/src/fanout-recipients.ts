import type { HeraldEvent } from "@herald/contract";
import type { Relation } from "./decide-delivery";
import type { TenantScopes } from "./recipient-directory";
import { candidates, tenantOf } from "./route-event";

interface Ordered {
  readonly eventId: string;
  /** The index the order was computed from: a reload (a preference changed) computes it again. */
  readonly scopes: TenantScopes;
  readonly relations: ReadonlyMap<string, Relation>;
  /** Every candidate's key, in code-unit order (the cursor's order). */
  readonly keys: readonly string[];
}

/**
 * A large fan-out's recipients, a chunk at a time, in user-key order after a
 * cursor. The ordered list of the fan-out in progress is kept between chunks
 * (sorting 100,000 keys per chunk would cost more than the chunk), and
 * computed again when the scope index was reloaded: recipients are those of
 * the index as each chunk is written, so someone who subscribes mid-way with
 * a key past the cursor is included, one before it is not.
 */
export class FanoutRecipients {
  private ordered?: Ordered;

  /** The next `size` candidates after `cursor` (all from the start when null), with their relation. */
  after(event: HeraldEvent, scopes: TenantScopes, cursor: string | null, size: number): Map<string, Relation> {
    const ordered = this.orderOf(event, scopes);
    const start = cursor === null ? 0 : firstAfter(ordered.keys, cursor);
    const chunk = new Map<string, Relation>();
    for (const key of ordered.keys.slice(start, start + size)) chunk.set(key, ordered.relations.get(key)!);
    return chunk;
  }

  /** A finished fan-out's list is let go. */
  forget(eventId: string): void {
    if (this.ordered?.eventId === eventId) this.ordered = undefined;
  }

  private orderOf(event: HeraldEvent, scopes: TenantScopes): Ordered {
    if (this.ordered?.eventId === event.id && this.ordered.scopes === scopes) return this.ordered;
    const relations = candidates(event, scopes.of(tenantOf(event)));
    const keys = [...relations.keys()].sort();
    return (this.ordered = { eventId: event.id, scopes, relations, keys });
  }
}

/** Index of the first key greater than `cursor` in sorted `keys` (binary search). */
export function firstAfter(keys: readonly string[], cursor: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (keys[middle]! <= cursor) low = middle + 1;
    else high = middle;
  }
  return low;
}
