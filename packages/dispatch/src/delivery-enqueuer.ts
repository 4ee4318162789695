import { Queue } from "bullmq";
import type { RedisClient } from "@herald/runtime";
import { QUEUES } from "@herald/runtime";
import type { QueuedDelivery } from "@herald/db";
import { EXTERNAL_CHANNELS, type ExternalChannel } from "@herald/contract";
import { deliveryJobId, type DeliveryJob } from "./delivery-jobs";
import type { RetryPolicies } from "./retry-policy";

export interface DeliveryQueues {
  readonly webhook: Queue;
  readonly email: Queue;
}

/**
 * Which queue runs a channel's jobs: subscription deliveries are webhooks,
 * run by the same workers with the same per-host limit and address guard.
 */
const QUEUE_OF: Readonly<Record<ExternalChannel, keyof DeliveryQueues>> = { webhook: "webhook", email: "email", subscription: "webhook" };

/** The queue whose workers run a channel's delivery jobs. */
export function deliveryQueue(queues: DeliveryQueues, channel: ExternalChannel): Queue {
  return queues[QUEUE_OF[channel]];
}

/**
 * Puts deliveries on their channel's queue with the channel's retry policy.
 * Job ids name the delivery and its retry round, so enqueueing twice is a
 * no-op; the worker also checks the row, so a job that ran cannot send twice.
 */
export class DeliveryEnqueuer {
  constructor(
    private readonly queues: DeliveryQueues,
    private readonly policies: RetryPolicies,
  ) {}

  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    for (const channel of EXTERNAL_CHANNELS) {
      const mine = deliveries.filter((d) => d.channel === channel);
      if (mine.length === 0) continue;
      const policy = this.policies[channel];
      await deliveryQueue(this.queues, channel).addBulk(
        mine.map((d) => ({
          name: channel,
          data: { deliveryId: d.id, round: d.round } satisfies DeliveryJob,
          opts: {
            jobId: deliveryJobId(d.id, d.round),
            attempts: policy.maxAttempts,
            backoff: { type: "exponential", delay: policy.backoffMs },
            removeOnComplete: { age: 24 * 3600, count: 10_000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
    }
  }
}

/** The two delivery queues of an installation (QUEUES.webhook, QUEUES.email under its prefix). */
export function openDeliveryQueues(connection: RedisClient, prefix: string): DeliveryQueues & { close(): Promise<void> } {
  const webhook = new Queue(QUEUES.webhook, { connection, prefix });
  const email = new Queue(QUEUES.email, { connection, prefix });
  return { webhook, email, close: async () => void (await Promise.all([webhook.close(), email.close()])) };
}
