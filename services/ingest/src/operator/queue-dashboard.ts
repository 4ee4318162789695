import type { Express } from "express";
import { Queue } from "bullmq";
import type { RedisClient } from "@herald/runtime";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { QUEUES } from "@herald/runtime";
import { openDeliveryQueues, type DeliveryQueues } from "@herald/dispatch";

/** The installation's BullMQ queues, as ingest's operator side uses them. */
export interface OperatorQueues {
  /** Where a retried delivery is put back. */
  readonly delivery: DeliveryQueues;
  /** Every queue the dashboard shows, in the order it lists them. */
  readonly all: readonly Queue[];
  close(): Promise<void>;
}

export function openOperatorQueues(connection: RedisClient, prefix: string): OperatorQueues {
  const delivery = openDeliveryQueues(connection, prefix);
  const scheduler = new Queue(QUEUES.scheduler, { connection, prefix });
  const all = [scheduler, delivery.webhook, delivery.email];
  // The connection already logs its own failures; without a listener BullMQ
  // prints each one again to stderr, outside the JSON log.
  for (const queue of all) queue.on("error", () => undefined);
  return { delivery, all, close: async () => void (await Promise.all([scheduler.close(), delivery.close()])) };
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  [QUEUES.scheduler]: "Digests and DND releases (digest-scheduler).",
  [QUEUES.webhook]:
    "One job per webhook delivery. Retrying a job here sends nothing once its delivery is dead-lettered: use POST /api/v1/admin/deliveries/:id/retry.",
  [QUEUES.email]:
    "One job per email delivery. Retrying a job here sends nothing once its delivery is dead-lettered: use POST /api/v1/admin/deliveries/:id/retry.",
};

/**
 * bull-board's UI and JSON API for these queues, to be mounted at
 * `basePath` behind the admin guard (it has no auth of its own).
 */
export function createQueueDashboard(queues: readonly Queue[], basePath: string): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { description: DESCRIPTIONS[queue.name] ?? "" })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "Herald queues", hideDocsLink: true } },
  });
  return serverAdapter.getRouter() as Express;
}
