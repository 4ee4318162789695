import { ApiError, typesMatching, type SubscriptionView } from "@herald/contract";
import type { SubscriptionReplay } from "@herald/contract/schemas";
import { newReplayId, type TenantSubscriptions } from "@herald/db";
import type { Logger } from "@herald/runtime";
import type { DeliveryQueuer } from "../operator/delivery-retry";

export interface ReplayDependencies {
  readonly queuer: DeliveryQueuer;
  /** Whether the queues' Redis answers: checked first, so an outage creates nothing. */
  readonly queueReachable: () => Promise<boolean>;
  readonly maxEvents: number;
  readonly logger: Logger;
}

export interface ReplayAccepted {
  readonly replayId: string;
  readonly events: number;
}

/**
 * Replays a subscription's window: the tenant's stored events in it that
 * the subscription (and the request's `eventTypes`, if given) match, in
 * its filter, delivered again one after another in `occurredAt` order. The
 * first is queued here; the delivery-worker queues each next one when the
 * one before settles.
 */
export async function replaySubscription(
  tenant: TenantSubscriptions,
  subscription: SubscriptionView,
  request: SubscriptionReplay,
  deps: ReplayDependencies,
): Promise<ReplayAccepted> {
  if (!(await deps.queueReachable())) {
    throw new ApiError(503, "queue_unavailable", "the delivery queue is unavailable; nothing was replayed, try again later");
  }
  const subscribed = new Set(typesMatching(subscription.eventTypes));
  const types = request.eventTypes ? typesMatching(request.eventTypes).filter((t) => subscribed.has(t)) : [...subscribed];
  const replayId = newReplayId();
  const result = await tenant.replay(subscription.id, {
    replayId,
    from: new Date(request.from),
    to: new Date(request.to),
    types,
    filter: subscription.filter,
    maxEvents: deps.maxEvents,
  });
  if (result.kind === "too_many") {
    throw new ApiError(400, "replay_too_large", `more than ${result.maxEvents} events match in this window; replay a shorter one`, [
      { path: "to", message: `the window holds more than ${result.maxEvents} matching events` },
    ]);
  }
  if (result.first) {
    // Stored as queued: should Redis fail now, the delivery-worker's sweeper queues it (DELIVERY_SWEEP_AGE_MS).
    await deps.queuer.enqueue([result.first]).catch((error: unknown) => {
      deps.logger.warn({ err: (error as Error).message, replayId }, "replay's first delivery not queued; the sweeper will queue it");
    });
  }
  return { replayId, events: result.events };
}
