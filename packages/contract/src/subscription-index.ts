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

/**
 * The subscriptions of one list (a type, a prefix, or `*`), split by their
 * project filter: an event looks at those without one and those of its own
 * project only, so a tenant with a subscription per project pays for its
 * project's, not for every project's.
 */
class Bucket {
  readonly anyProject: MatchableSubscription[] = [];
  readonly byProject = new Map<string, MatchableSubscription[]>();

  add(sub: MatchableSubscription): void {
    const project = sub.filter.projectId;
    if (project === undefined) return void this.anyProject.push(sub);
    const list = this.byProject.get(project);
    if (list) list.push(sub);
    else this.byProject.set(project, [sub]);
  }

  collect(event: MatchableEvent, into: string[]): void {
    const lists = [this.anyProject, event.projectId === undefined ? undefined : this.byProject.get(event.projectId)];
    for (const list of lists) {
      if (!list) continue;
      for (const sub of list) {
        if (sub.filter.sourceType === undefined || sub.filter.sourceType === event.source?.type) into.push(sub.id);
      }
    }
  }
}

interface TenantEntries {
  readonly exact: Map<string, Bucket>;
  readonly prefix: Map<string, Bucket>;
  readonly everything: Bucket;
}

function bucketOf(map: Map<string, Bucket>, key: string): Bucket {
  let bucket = map.get(key);
  if (!bucket) map.set(key, (bucket = new Bucket()));
  return bucket;
}

/**
 * Active subscriptions indexed per tenant by what they listen to (an exact
 * type, a type prefix for `job.*`, or `*`) and then by their project
 * filter. Matching an event looks up its own tenant's three lists, takes
 * those subscriptions without a project filter or with its project, and
 * checks their source filter: its cost follows the subscriptions that could
 * match it, not the number there are (10,000 of other types, tenants or
 * projects cost an event nothing).
 */
export class SubscriptionIndex {
  private readonly byTenant = new Map<string, TenantEntries>();
  readonly size: number;

  constructor(subscriptions: Iterable<MatchableSubscription>) {
    let size = 0;
    for (const sub of subscriptions) {
      size++;
      let entries = this.byTenant.get(sub.tenantId);
      if (!entries) this.byTenant.set(sub.tenantId, (entries = { exact: new Map(), prefix: new Map(), everything: new Bucket() }));
      // In one list per pattern it covers, and never twice for one event: `job.*` beside `job.failed` is the prefix alone.
      const patterns = new Set(sub.eventTypes);
      if (patterns.has("*")) {
        entries.everything.add(sub);
        continue;
      }
      const prefixes = new Set<string>();
      for (const pattern of patterns) if (pattern.endsWith(".*")) prefixes.add(pattern.slice(0, -2));
      for (const prefix of prefixes) bucketOf(entries.prefix, prefix).add(sub);
      for (const pattern of patterns) {
        if (pattern.endsWith(".*") || prefixes.has(pattern.slice(0, pattern.indexOf(".")))) continue;
        bucketOf(entries.exact, pattern).add(sub);
      }
    }
    this.size = size;
  }

  /** The ids of the subscriptions an event goes to, each once. */
  match(event: MatchableEvent): string[] {
    const entries = this.byTenant.get(event.tenantId);
    if (!entries) return [];
    const ids: string[] = [];
    entries.exact.get(event.type)?.collect(event, ids);
    const dot = event.type.indexOf(".");
    if (dot > 0) entries.prefix.get(event.type.slice(0, dot))?.collect(event, ids);
    entries.everything.collect(event, ids);
    return ids;
  }
}
