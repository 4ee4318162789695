import { parseStreamEvent } from "@herald/contract/schemas";
import { type HeraldEvent } from "@herald/contract";
import type { Dispatcher } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { NotificationWriter } from "./notification-writer";
import type { RecipientDirectory } from "./recipient-directory";
import { candidates, routeToCandidates } from "./route-event";
import type { BatchHandler, RejectedEntry, StreamEntry } from "./stream-consumer";

export interface BatchRouterDependencies {
  readonly directory: RecipientDirectory;
  readonly store: NotificationWriter;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/**
 * The router's unit of work: a batch of stream entries becomes stored events
 * and notifications (one statement), then dispatch (socket pushes, delivery
 * jobs), then acks. Database round trips per batch are constant: at most one
 * to load users the cache lacks, one to store, one to create deliveries (only
 * when some notification has an external channel), one to record dispatch.
 */
export function createBatchRouter({ directory, store, dispatcher, logger, now = () => new Date() }: BatchRouterDependencies): BatchHandler {
  return async (entries: readonly StreamEntry[]) => {
    const events: HeraldEvent[] = [];
    const rejected: RejectedEntry[] = [];
    for (const entry of entries) {
      const event = entry.fields.event ? parseStreamEvent(entry.fields.event) : undefined;
      if (event) events.push(event);
      else rejected.push({ id: entry.id, reason: "malformed event entry" });
    }
    if (events.length === 0) return { rejected };

    const started = performance.now();
    const scopes = await directory.refresh();
    const found = events.map((event) => candidates(event, scopes));
    const profileOf = await directory.profilesFor(found.flatMap((byUser) => [...byUser.keys()]));
    const at = now();
    const drafts = events.flatMap((event, i) => routeToCandidates(event, found[i]!, profileOf, at));
    const { pending, unreadCounts } = await store.persist(events, drafts);
    const stored = performance.now();
    await dispatcher.dispatch(pending, unreadCounts);
    logger.debug(
      {
        events: events.length,
        notifications: drafts.length,
        dispatched: pending.length,
        storeMs: +(stored - started).toFixed(2),
        pushMs: +(performance.now() - stored).toFixed(2),
      },
      "routed batch",
    );
    return { rejected };
  };
}
