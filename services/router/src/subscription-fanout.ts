import type { HeraldEvent } from "@herald/contract";
import { createSubscriptionDeliveries, type Database, type SubscriptionMatch } from "@herald/db";
import type { DeliveryEnqueuer } from "@herald/dispatch";
import type { SubscriptionDirectory } from "./subscription-directory";
import { tenantOf } from "./route-event";

/**
 * Events to webhook subscriptions: a batch is matched against the cached
 * index while it is prepared (in memory, per event: three lookups of its
 * tenant's lists, then the filters), and its deliveries are created (one
 * statement) and queued once its events are stored, before the batch is
 * acknowledged. Every event goes, Herald's own `notification.action` too:
 * subscriptions listen to the bus, not to what users are notified of.
 */
export class SubscriptionFanout {
  constructor(
    private readonly db: Database,
    private readonly directory: SubscriptionDirectory,
    private readonly enqueuer: Pick<DeliveryEnqueuer, "enqueue">,
  ) {}

  async match(events: readonly HeraldEvent[]): Promise<SubscriptionMatch[]> {
    const index = await this.directory.refresh();
    if (index.size === 0) return [];
    return events.flatMap((event) =>
      index
        .match({ tenantId: tenantOf(event), type: event.type, projectId: event.projectId, source: event.source })
        .map((subscriptionId) => ({ eventId: event.id, subscriptionId, tenant: tenantOf(event), producer: event.producer ?? null })),
    );
  }

  /**
   * Safe to repeat (a batch handled again after a crash or a failure): rows
   * are created once, and their jobs' ids name delivery and round.
   */
  async deliver(matches: readonly SubscriptionMatch[]): Promise<void> {
    if (matches.length === 0) return;
    await this.enqueuer.enqueue(await createSubscriptionDeliveries(this.db, matches));
  }
}
