import { Queue } from "bullmq";
import type { QueuedDelivery } from "@herald/db";
import { DeliveryEnqueuer, openDeliveryQueues, type RetryPolicies } from "@herald/dispatch";
import { OnceReady, pingRedis, QUEUES, type RedisClient } from "@herald/runtime";
import type { DeliveryQueuer } from "./delivery-retry";

interface OpenQueues {
  readonly enqueuer: DeliveryEnqueuer;
  readonly all: readonly Queue[];
  close(): Promise<void>;
}

function openQueues(connection: RedisClient, prefix: string, policies: RetryPolicies): OpenQueues {
  const delivery = openDeliveryQueues(connection, prefix);
  const scheduler = new Queue(QUEUES.scheduler, { connection, prefix });
  const all = [scheduler, delivery.webhook, delivery.email];
  // The connection already logs its own failures; without a listener BullMQ
  // prints each one again to stderr, outside the JSON log.
  for (const queue of all) queue.on("error", () => undefined);
  return {
    enqueuer: new DeliveryEnqueuer(delivery, policies),
    all,
    close: async () => void (await Promise.all([scheduler.close(), delivery.close()])),
  };
}

/**
 * The installation's BullMQ queues, as ingest's operator side uses them
 * (retries, replays, statistics, the dashboard), on its fail-fast queue
 * connection. They are built the first time they are asked for once that
 * connection is ready (see OnceReady): built at start-up on a Redis Cluster
 * still connecting, they stayed broken, and every retry answered 503, until
 * ingest restarted. Until then they answer as Redis being down does.
 */
export class OperatorQueues implements DeliveryQueuer {
  private readonly queues: OnceReady<OpenQueues>;

  constructor(
    private readonly connection: RedisClient,
    prefix: string,
    policies: RetryPolicies,
  ) {
    this.queues = new OnceReady(connection, () => openQueues(connection, prefix, policies));
  }

  /** Whether the queues' Redis answers, so that a job can be added now. */
  async reachable(): Promise<boolean> {
    return this.queues.get() !== undefined && (await pingRedis(this.connection));
  }

  async enqueue(deliveries: readonly QueuedDelivery[]): Promise<void> {
    const queues = this.queues.get();
    if (!queues) throw new Error(`the queues' Redis connection is ${this.connection.status}, not ready`);
    await queues.enqueuer.enqueue(deliveries);
  }

  /** Every queue the dashboard shows, in the order it lists them; undefined while Redis is not ready. */
  all(): readonly Queue[] | undefined {
    return this.queues.get()?.all;
  }

  close(): Promise<void> {
    return this.queues.close();
  }
}
