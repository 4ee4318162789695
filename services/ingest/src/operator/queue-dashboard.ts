import type { RequestHandler } from "express";
import type { Queue } from "bullmq";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import { ApiError } from "@herald/contract";
import { QUEUES } from "@herald/runtime";

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  [QUEUES.scheduler]: "Digests and DND releases (digest-scheduler).",
  [QUEUES.webhook]:
    "One job per webhook delivery. Retrying a job here sends nothing once its delivery is dead-lettered: use POST /api/v1/admin/deliveries/:id/retry.",
  [QUEUES.email]:
    "One job per email delivery. Retrying a job here sends nothing once its delivery is dead-lettered: use POST /api/v1/admin/deliveries/:id/retry.",
};

/** Where the dashboard finds its queues: undefined while their Redis connection is not ready (OperatorQueues). */
export type DashboardQueues = () => readonly Queue[] | undefined;

/**
 * bull-board's UI and JSON API for these queues, to be mounted at
 * `basePath` behind the admin guard (it has no auth of its own). The queues
 * are handed to bull-board on the first request once they exist; until then
 * the dashboard answers 503 `queue_unavailable`.
 */
export function createQueueDashboard(queues: DashboardQueues, basePath: string): RequestHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  const board = createBullBoard({
    queues: [],
    serverAdapter,
    options: { uiConfig: { boardTitle: "Herald queues", hideDocsLink: true } },
  });
  const router = serverAdapter.getRouter() as RequestHandler;
  let shown = false;
  return (req, res, next) => {
    if (!shown) {
      const all = queues();
      if (!all) return next(new ApiError(503, "queue_unavailable", "the queues' Redis is unavailable; try again later"));
      board.setQueues(all.map((queue) => new BullMQAdapter(queue, { description: DESCRIPTIONS[queue.name] ?? "" })));
      shown = true;
    }
    return router(req, res, next);
  };
}
