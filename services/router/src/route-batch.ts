import { getEventType, parseStreamEvent, type HeraldEvent } from "@herald/core";
import type { Logger } from "@herald/runtime";
import type { NotificationPusher } from "./notification-pusher";
import type { NotificationStore } from "./notification-store";
import { routeEvent } from "./route-event";
import type { BatchHandler, RejectedEntry, StreamEntry } from "./stream-consumer";

/**
 * The router's unit of work: a batch of stream entries becomes stored events
 * and notifications (one transaction), then socket pushes, then acks.
 */
export function createBatchRouter(store: NotificationStore, pusher: NotificationPusher, logger: Logger): BatchHandler {
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
    const needsAdmins = events.some((e) => getEventType(e.type).critical);
    const adminIds = needsAdmins ? await store.adminIds() : [];
    const drafts = events.flatMap((event) => routeEvent(event, adminIds));
    const { pushes, unreadCounts } = await store.persist(events, drafts);
    const stored = performance.now();
    await pusher.push(pushes, unreadCounts);
    await store.markPushed(pushes.map((p) => p.id));
    logger.debug(
      {
        events: events.length,
        notifications: drafts.length,
        pushed: pushes.length,
        storeMs: +(stored - started).toFixed(2),
        pushMs: +(performance.now() - stored).toFixed(2),
      },
      "routed batch",
    );
    return { rejected };
  };
}
