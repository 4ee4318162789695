import { parseStreamEvent } from "@herald/contract/schemas";
import { type HeraldEvent } from "@herald/contract";
import type { Dispatcher } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { FanoutIntake, FoundEvent } from "./fanout-intake";
import type { NotificationWriter } from "./notification-writer";
import type { BatchSizer } from "./batch-sizer";
import type { RecipientDirectory } from "./recipient-directory";
import type { RouterMetrics } from "./router-metrics";
import type { SubscriptionFanout } from "./subscription-fanout";
import type { SubscriptionMatch } from "@herald/db";
import { candidates, mergeGroupedDrafts, routeToCandidates, tenantOf, type DecisionDraft, type NotificationDraft } from "./route-event";
import type { RejectedEntry, StagedBatchHandler, StreamEntry } from "./stream-consumer";

export interface BatchRouterDependencies {
  readonly directory: RecipientDirectory;
  readonly store: NotificationWriter;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly metrics: RouterMetrics;
  /** Where events with more candidates than ROUTER_FANOUT_CHUNK go, to be written in chunks. */
  readonly fanouts?: FanoutIntake;
  /** Webhook subscriptions: every event of the batch is matched, and delivered once stored. */
  readonly subscriptions?: SubscriptionFanout;
  /** Told what each batch wrote per entry, to size the next reads. */
  readonly sizer?: BatchSizer;
  readonly now?: () => Date;
}

/** Dead-letter reason of an event whose id another producer's stored event already has. */
export const idConflictReason = (id: string) => `id_conflict: event id ${JSON.stringify(id)} is already another producer's event`;

/** A batch routed in memory, not yet stored. */
export interface RoutedBatch {
  readonly rejected: RejectedEntry[];
  readonly routed: readonly { readonly entryId: string; readonly event: HeraldEvent }[];
  readonly drafts: readonly NotificationDraft[];
  readonly decisions: readonly DecisionDraft[];
  /** Its large fan-outs, handed to FanoutIntake when the batch is handled (not while it is prepared ahead). */
  readonly large: readonly FoundEvent[];
  /** Its events' webhook subscriptions, delivered once the events are stored. */
  readonly matches: readonly SubscriptionMatch[];
  readonly at: Date;
  /** Seconds spent routing it. */
  readonly seconds: number;
}

/**
 * The router's unit of work: a batch of stream entries is routed in memory
 * (prepare: the consumer does it for the next batch while this one is
 * stored), becomes stored events and notifications (one statement); its
 * dispatch (socket pushes, delivery jobs), the record of it and the
 * subscription deliveries finish while the next batch is stored, then acks.
 * Database round trips per batch are constant: at most one to load users the
 * cache lacks, one to store, one to create deliveries (only when some
 * notification has an external channel), one to record dispatch, one for
 * subscription deliveries.
 * An entry that cannot be parsed or rendered is rejected (dead-lettered);
 * one that Postgres or the push refuses makes the batch throw, and the
 * consumer isolates it (StreamConsumer).
 */
/** Who an event's id belongs to: a platform producer's two events with one id in two tenants are two events. */
export const ownerOf = (event: HeraldEvent): string => JSON.stringify([event.producer ?? null, tenantOf(event)]);

export function createBatchRouter({
  directory,
  store,
  dispatcher,
  logger,
  metrics,
  fanouts,
  subscriptions,
  sizer,
  now = () => new Date(),
}: BatchRouterDependencies): StagedBatchHandler<RoutedBatch> {
  const prepare = async (entries: readonly StreamEntry[]): Promise<RoutedBatch> => {
    const began = performance.now();
    const parsed: { readonly entryId: string; readonly event: HeraldEvent }[] = [];
    const rejected: RejectedEntry[] = [];
    for (const entry of entries) {
      const event = entry.fields.event ? parseStreamEvent(entry.fields.event) : undefined;
      if (event) parsed.push({ entryId: entry.id, event });
      else rejected.push({ id: entry.id, reason: "malformed event entry" });
    }
    if (parsed.length === 0) return { rejected, routed: [], drafts: [], decisions: [], large: [], matches: [], at: now(), seconds: 0 };

    // The steps below are pure, one event at a time: an exception there is
    // that event's own (a payload the code cannot handle), the same on every
    // retry, so that entry alone is rejected and the batch goes on.
    const each = <T, R>(items: readonly (T & { readonly entryId: string })[], step: string, fn: (item: T) => R): R[] =>
      items.flatMap((item) => {
        try {
          return [fn(item)];
        } catch (error) {
          rejected.push({
            id: item.entryId,
            reason: `${step}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          });
          return [];
        }
      });

    // After the entries were read: a subscription created before an event was published is in the index.
    const [scopes, matches] = await Promise.all([directory.refresh(), subscriptions?.match(parsed.map((p) => p.event)) ?? []]);
    const all = each(parsed, "cannot find recipients", (p) => ({ ...p, candidates: candidates(p.event, scopes.of(tenantOf(p.event))) }));
    const at = now();
    // Large fan-outs are set apart: handle() stores and hands them over (acknowledged with the batch, written in
    // chunks after). Not here: a batch prepared ahead stores nothing before the batch in front of it is stored.
    const { inline: found, large } = fanouts?.split(all) ?? { inline: all, large: [] };
    const profileOf = await directory.profilesFor(found.flatMap((f) => [...f.candidates.keys()]));
    const rendered = each(found, "cannot render", (f) => ({
      entryId: f.entryId,
      event: f.event,
      ...routeToCandidates(f.event, f.candidates, profileOf, at),
    }));
    // The writer stores the first of two events with one id: a later one from another
    // producer is refused like a reuse of a stored id; the same producer's repeat is a no-op.
    // producer and tenant: a platform producer's two events with one id in two tenants are two events too.
    const owners = new Map<string, string>();
    const routed = rendered.filter((r) => {
      if (!owners.has(r.event.id)) owners.set(r.event.id, ownerOf(r.event));
      else if (owners.get(r.event.id) !== ownerOf(r.event)) {
        rejected.push({ id: r.entryId, reason: idConflictReason(r.event.id) });
        return false;
      }
      return true;
    });
    // One notification per group (user, type, key) and batch: the writer's upsert may touch a row once.
    const { drafts, decisions } = mergeGroupedDrafts({
      drafts: routed.flatMap((r) => r.drafts),
      decisions: routed.flatMap((r) => r.decisions),
    });
    // A batch's cost follows its rows (a decision record per candidate, most with their notification).
    sizer?.observe(entries.length, decisions.length);
    return { rejected, routed, drafts, decisions, large, matches, at, seconds: (performance.now() - began) / 1000 };
  };

  const handle = async ({ rejected: routingRejects, routed, drafts, decisions, large, matches, at, seconds }: RoutedBatch) => {
    const started = performance.now();
    // A copy: a batch prepared once may be handled again (the consumer isolating a failure); accepting its
    // fan-outs again is a no-op (their events are stored, a stored fan-out row is kept).
    const rejected = [...routingRejects];
    if (fanouts && large.length > 0) rejected.push(...(await fanouts.accept(large, at)));
    const events = routed.map((r) => r.event);
    if (events.length === 0) return { rejected, finish: () => subscriptions?.deliver(matches) ?? Promise.resolve() };
    const { pending, unreadCounts, idConflicts } = await store.persist(events, drafts, decisions, at);
    for (const r of routed) if (idConflicts.has(r.event.id)) rejected.push({ id: r.entryId, reason: idConflictReason(r.event.id) });
    const stored = performance.now();
    // Run beside the next batch's store, before this one is acknowledged (a crash before re-handles it), after the
    // batch before's (the consumer runs finishes in stream order, so a user's pushes keep theirs): the pushes and
    // delivery jobs, recording the rows dispatched, and the subscription deliveries (once stored: their statement
    // checks the stored event is this one). None changes what the next batch stores; a row it updates again is
    // pushed by it, after this batch's push, and left pending by this record (markDispatched).
    let recordDispatched: (() => Promise<void>) | undefined;
    const finish = async () => {
      const began = performance.now();
      const pushing = recordDispatched === undefined;
      // Once: a finish retried after an outage records what it pushed instead of pushing it again.
      recordDispatched ??= await dispatcher.send(pending, unreadCounts);
      if (pushing) logger.debug({ dispatched: pending.length, pushMs: +(performance.now() - began).toFixed(2) }, "pushed batch");
      await Promise.all([recordDispatched(), subscriptions?.deliver(matches)]);
    };
    metrics.batchRouted(
      events.length - idConflicts.size,
      idConflicts.size === 0 ? drafts : drafts.filter((d) => !idConflicts.has(d.eventId)),
      seconds + (performance.now() - started) / 1000,
    );
    logger.debug(
      {
        events: events.length,
        notifications: drafts.length,
        dispatched: pending.length,
        routeMs: +(seconds * 1000).toFixed(2),
        storeMs: +(stored - started).toFixed(2),
      },
      "routed batch",
    );
    return { rejected, finish };
  };
  return { prepare, handle };
}
