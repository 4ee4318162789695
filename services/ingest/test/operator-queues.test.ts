import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import express from "express";
import { Queue } from "bullmq";
import { deliveryJobId, retryPolicies } from "@herald/dispatch";
import { createLogger, createRedis, errorHandler, QUEUES, type RedisClient } from "@herald/runtime";
import { OperatorQueues } from "../src/operator/operator-queues";
import { createQueueDashboard } from "../src/operator/queue-dashboard";
import { TEST_REDIS_URL } from "../../../test/support/env";

const policies = retryPolicies({ WEBHOOK_MAX_ATTEMPTS: 3, WEBHOOK_BACKOFF_MS: 1000, EMAIL_MAX_ATTEMPTS: 3, EMAIL_BACKOFF_MS: 1000 });

describe("OperatorQueues: ingest's queues on its fail-fast connection", () => {
  const prefix = `herald-test-${process.pid}-operator`;
  let connection: RedisClient;
  let queues: OperatorQueues;
  let server: Server;
  let dashboard: string;

  beforeEach(async () => {
    connection = createRedis({ redisUrl: TEST_REDIS_URL }, { failFast: true, name: "operator-queues-test" });
    queues = new OperatorQueues(connection, prefix, policies);
    const app = express();
    app.use(
      "/admin/queues",
      createQueueDashboard(() => queues.all(), "/admin/queues"),
    );
    app.use(errorHandler(createLogger("test", "silent")));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    dashboard = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
  });

  afterEach(async () => {
    await queues.close();
    await new Promise((resolve) => server.close(resolve));
    connection.disconnect();
  });

  it("answers as Redis being down while the connection is connecting, and works once it is ready", async () => {
    expect(connection.status).not.toBe("ready");
    expect(await queues.reachable()).toBe(false);
    expect(queues.all()).toBeUndefined();
    await expect(queues.enqueue([{ id: "1", channel: "webhook", round: 0 }])).rejects.toThrow(/not ready/);
    const early = await fetch(`${dashboard}/api/queues`);
    expect(early.status).toBe(503);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe("queue_unavailable");

    await new Promise((resolve) => connection.once("ready", resolve));
    expect(await queues.reachable()).toBe(true);
    expect(queues.all()?.map((q) => q.name)).toEqual([QUEUES.scheduler, QUEUES.webhook, QUEUES.email]);

    const id = `${Date.now()}`;
    await queues.enqueue([{ id, channel: "subscription", round: 1 }]);
    const webhook = new Queue(QUEUES.webhook, { connection, prefix });
    const job = await webhook.getJob(deliveryJobId(id, 1));
    expect(job?.data).toEqual({ deliveryId: id, round: 1 });
    expect(job?.opts.attempts).toBe(3);
    await job?.remove();
    await webhook.close();

    const later = await fetch(`${dashboard}/api/queues`);
    expect(later.status).toBe(200);
    const shown = (await later.json()) as { queues: { name: string }[] };
    expect(shown.queues.map((q) => q.name).sort()).toEqual([QUEUES.email, QUEUES.scheduler, QUEUES.webhook].sort());
  });
});
