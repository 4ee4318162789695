import { Worker } from "bullmq";
import { QUEUES, redisNames } from "@herald/runtime";
import { DeliveryEnqueuer, openDeliveryQueues, type DeliveryJob } from "@herald/dispatch";
import { createDatabase, pingDatabase } from "@herald/db";
import {
  closeServer,
  createLogger,
  createReadinessRedis,
  createRedis,
  createHttpServer,
  createServiceApp,
  exitOnStartupFailure,
  listen,
  onShutdown,
  pingRedis,
  ServiceMetrics,
} from "@herald/runtime";
import { DeliveryMetrics } from "./delivery-metrics";
import { createDeliveryProcessor, type DeliveryOutcome } from "./delivery-processor";
import { DeliveryStore } from "./delivery-store";
import { DeliverySweeper } from "./delivery-sweeper";
import { EmailSender } from "./email-sender";
import { onJobFailed } from "./failed-jobs";
import { HostLimiter } from "./host-limiter";
import { PostgresOutage } from "./postgres-outage";
import { WebhookSender } from "./webhook-sender";
import { ReplayChain } from "./replay-chain";
import { SubscriptionDeliveryStore } from "./subscription-delivery-store";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("delivery-worker", config.logLevel);
  const { delivery } = config;
  const names = redisNames(config.namespace);
  const db = createDatabase(config.databaseUrl, { poolSize: delivery.webhook.concurrency + delivery.email.concurrency });
  // The workers have connections of their own: this one answers /ready.
  const redis = createReadinessRedis(config, { name: "delivery-worker-ready", logger });

  const email = new EmailSender(delivery.smtp, delivery.email.publicUrl);
  const store = new DeliveryStore(db);
  const outage = new PostgresOutage({ ping: () => pingDatabase(db), probeMs: delivery.outageProbeMs, logger });
  const metrics = new ServiceMetrics("delivery-worker");
  // The sweeper's queues, on the fail-fast connection: a scrape during a Redis outage answers at once, without depths.
  const queues = openDeliveryQueues(redis, names.queuePrefix);
  const enqueuer = new DeliveryEnqueuer(queues, delivery.retryPolicies);
  const replays = new ReplayChain(db, enqueuer);
  const processDelivery = createDeliveryProcessor({
    store,
    subscriptions: new SubscriptionDeliveryStore(db),
    replays,
    outage,
    webhook: new WebhookSender({ timeoutMs: delivery.webhook.timeoutMs, allowedHosts: delivery.webhook.allowedHosts }),
    email,
    limiter: new HostLimiter(delivery.webhook.perHostConcurrency),
    metrics: new DeliveryMetrics(metrics, [queues.webhook, queues.email]),
    logger,
  });
  const counts: Record<string, number> = {};
  const workerOptions = {
    prefix: names.queuePrefix,
    lockDuration: delivery.lockMs,
    stalledInterval: delivery.stalledIntervalMs,
    maxStalledCount: delivery.maxStalledCount,
  };
  const deadLetterFailed = onJobFailed(store, logger);
  // Separate queues and concurrency per channel: a slow SMTP server cannot hold up webhooks, nor the reverse.
  const workers = [
    new Worker<DeliveryJob, DeliveryOutcome>(QUEUES.webhook, processDelivery, {
      ...workerOptions,
      connection: createRedis(config, { name: "webhook-worker", logger }),
      concurrency: delivery.webhook.concurrency,
    }),
    new Worker<DeliveryJob, DeliveryOutcome>(QUEUES.email, processDelivery, {
      ...workerOptions,
      connection: createRedis(config, { name: "email-worker", logger }),
      concurrency: delivery.email.concurrency,
    }),
  ];
  outage.watch(workers);
  for (const worker of workers) {
    worker.on("completed", (_job, outcome) => (counts[`${worker.name}:${outcome}`] = (counts[`${worker.name}:${outcome}`] ?? 0) + 1));
    worker.on("failed", (job, error) => {
      if (error.name !== "DelayedError") counts[`${worker.name}:failed`] = (counts[`${worker.name}:failed`] ?? 0) + 1;
      deadLetterFailed(job, error);
    });
    worker.on("error", (error) => logger.warn({ err: error.message, queue: worker.name }, "worker error"));
  }

  const sweeper = new DeliverySweeper(store, queues, enqueuer, replays, delivery.sweep, logger);
  sweeper.start();

  const app = createServiceApp({
    service: "delivery-worker",
    readiness: { redis: () => pingRedis(redis), postgres: () => pingDatabase(db) },
    healthDetails: () => ({ jobs: { ...counts } }),
    metrics,
    metricsToken: config.metricsToken,
  });
  const server = createHttpServer(app, config.http);
  const port = await listen(server, config.port);
  logger.info(
    { port, webhookConcurrency: delivery.webhook.concurrency, emailConcurrency: delivery.email.concurrency },
    "delivery worker running",
  );

  onShutdown(
    logger,
    [
      () => sweeper.stop(),
      // close() lets jobs in hand finish; a job cut off by a crash is taken up again once its lock expires.
      () => Promise.all(workers.map((w) => w.close())),
      () => queues.close(),
      () => closeServer(server),
      () => email.close(),
      () => Promise.all([redis.disconnect(), db.$disconnect()]),
    ],
    delivery.webhook.timeoutMs + 5_000,
  );
}

main().catch(exitOnStartupFailure(createLogger("delivery-worker")));
