import type { SubscriptionFilter } from "./subscription";

/** What matching needs of an active subscription. */
export interface MatchableSubscription {
  readonly id: string;
  readonly tenantId: string;
  readonly eventTypes: readonly string[];
  readonly filter: SubscriptionFilter;
}

/** What matching needs of an event. */
export interface MatchableEvent {
  readonly tenantId: string;
  readonly type: string;
  readonly projectId?: string;
  readonly source?: { readonly type: string };
}

interface TenantEntries {
  readonly exact: Map<string, MatchableSubscription[]>;
  readonly prefix: Map<string, MatchableSubscription[]>;
  readonly everything: MatchableSubscription[];
}

const NONE: readonly MatchableSubscription[] = [];

function add(map: Map<string, MatchableSubscription[]>, key: string, sub: MatchableSubscription): void {
  const list = map.get(key);
  if (list) list.push(sub);
  else map.set(key, [sub]);
}

function passes(filter: SubscriptionFilter, event: MatchableEvent): boolean {
  if (filter.projectId !== undefined && filter.projectId !== event.projectId) return false;
  if (filter.sourceType !== undefined && filter.sourceType !== event.source?.type) return false;
  return true;
}

/**
 * Active subscriptions indexed per tenant by what they listen to: an exact
 * type, a type prefix (`job.*`), or everything (`*`). Matching an event
 * looks up three lists of its own tenant and checks only their filters, so
 * its cost follows the subscriptions that could match, not all of them
 * (10,000 subscriptions of other types cost an event nothing).
 */
export class SubscriptionIndex {
  private readonly byTenant = new Map<string, TenantEntries>();
  readonly size: number;

  constructor(subscriptions: Iterable<MatchableSubscription>) {
    let size = 0;
    for (const sub of subscriptions) {
      size++;
      let entries = this.byTenant.get(sub.tenantId);
      if (!entries) this.byTenant.set(sub.tenantId, (entries = { exact: new Map(), prefix: new Map(), everything: [] }));
      // One entry per list a subscription is in: `job.*` beside `job.failed` must not match it twice.
      const patterns = new Set(sub.eventTypes);
      if (patterns.has("*")) {
        entries.everything.push(sub);
        continue;
      }
      const prefixes = new Set<string>();
      for (const pattern of patterns) if (pattern.endsWith(".*")) prefixes.add(pattern.slice(0, -2));
      for (const prefix of prefixes) add(entries.prefix, prefix, sub);
      for (const pattern of patterns) {
        if (pattern.endsWith(".*")) continue;
        // Covered by one of its own prefixes already.
        if (prefixes.has(pattern.slice(0, pattern.indexOf(".")))) continue;
        add(entries.exact, pattern, sub);
      }
    }
    this.size = size;
  }

  /** The ids of the subscriptions an event goes to, each once, in the order they were indexed within each list. */
  match(event: MatchableEvent): string[] {
    const entries = this.byTenant.get(event.tenantId);
    if (!entries) return [];
    const dot = event.type.indexOf(".");
    const lists = [
      entries.exact.get(event.type) ?? NONE,
      dot > 0 ? (entries.prefix.get(event.type.slice(0, dot)) ?? NONE) : NONE,
      entries.everything,
    ];
    const ids: string[] = [];
    for (const list of lists) for (const sub of list) if (passes(sub.filter, event)) ids.push(sub.id);
    return ids;
  }
}
