import { ApiError } from "@herald/contract";
import type { QueuedDelivery } from "@herald/db";
import type { Logger } from "@herald/runtime";
import type { RequeueResult, RequeuedDelivery } from "./delivery-repository";

export interface RetryStore {
  requeueDeadLetter(id: bigint): Promise<RequeueResult>;
  restoreDeadLetter(delivery: RequeuedDelivery): Promise<void>;
}

/** DeliveryEnqueuer from @herald/dispatch, or anything that queues delivery jobs. */
export interface DeliveryQueuer {
  enqueue(deliveries: readonly QueuedDelivery[]): Promise<void>;
}

export interface RetryDependencies {
  readonly store: RetryStore;
  readonly queuer: DeliveryQueuer;
  /** Whether the queues' Redis answers: checked first, so an outage changes no row. */
  readonly queueReachable: () => Promise<boolean>;
  readonly logger: Logger;
}

export interface RetryAccepted {
  readonly id: string;
  readonly status: "queued";
  readonly round: number;
}

const queueUnavailable = () =>
  new ApiError(503, "queue_unavailable", "the delivery queue is unavailable; nothing was retried, try again later");

/**
 * Re-queues a dead-lettered delivery: the row goes back to queued in a new
 * round, then the round's job is added (its id names delivery and round, so
 * a retry cannot run twice). Should the job not be queued, the row is put
 * back to dead-lettered rather than left queued with no job to run it.
 */
export async function retryDeadLetter(id: bigint, deps: RetryDependencies): Promise<RetryAccepted> {
  if (!(await deps.queueReachable())) throw queueUnavailable();
  const result = await deps.store.requeueDeadLetter(id);
  if (result.kind === "not_found") throw new ApiError(404, "not_found", `no delivery ${id}`);
  if (result.kind === "not_dead_lettered") {
    throw new ApiError(409, "not_dead_lettered", `delivery ${id} is ${result.status}: only a dead-lettered delivery can be retried`, {
      status: result.status,
    });
  }
  const { delivery } = result;
  try {
    await deps.queuer.enqueue([{ id: delivery.id, channel: delivery.channel, round: delivery.round }]);
  } catch (error) {
    deps.logger.warn(
      { err: (error as Error).message, deliveryId: delivery.id },
      "retry could not be queued: delivery put back to dead_lettered",
    );
    await deps.store.restoreDeadLetter(delivery).catch((restoreError: unknown) => {
      deps.logger.error(
        { err: (restoreError as Error).message, deliveryId: delivery.id },
        "could not put an unqueued retry back to dead_lettered",
      );
    });
    throw queueUnavailable();
  }
  return { id: delivery.id, status: "queued", round: delivery.round };
}
