import os from "node:os";
import { readStreamBacklog, redisNames, ROUTER_CONSUMER_GROUP } from "@herald/runtime";
import { createDatabase, migrationsFor, pingDatabase, Subscriptions } from "@herald/db";
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
import { DeliveryEnqueuer, Dispatcher, NotificationPusher, openDeliveryQueues } from "@herald/dispatch";
import { NotificationWriter } from "./notification-writer";
import { BatchSizer } from "./batch-sizer";
import { RecipientDirectory } from "./recipient-directory";
import { createBatchRouter, idConflictReason, ownerOf } from "./route-batch";
import { FanoutIntake } from "./fanout-intake";
import { FanoutRecipients } from "./fanout-recipients";
import { FanoutRunner } from "./fanout-runner";
import { FanoutStore } from "./fanout-store";
import { RouterMetrics } from "./router-metrics";
import { SubscriptionDirectory } from "./subscription-directory";
import { SubscriptionFanout } from "./subscription-fanout";
import { defaultConsumerName } from "./consumer-name";
import { consumerGroupExists, StreamConsumer } from "./stream-consumer";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("router", config.logLevel);
  if (config.migrateOnStart) await migrationsFor(config, (msg, f) => logger.info(f, msg))();
  const names = redisNames(config.namespace);
  const db = createDatabase(config.databaseUrl);
  const redis = createRedis(config, { name: "router", logger, autoPipelining: true });
  const reader = createRedis(config, { name: "router-reader", logger });
  const readinessRedis = createReadinessRedis(config, { name: "router-ready", logger });

  const store = new NotificationWriter(db, config.router.groupWindowMs, config.router.throttleWindowMs);
  const queues = openDeliveryQueues(createRedis(config, { name: "router-queues", logger }), names.queuePrefix);
  const enqueuer = new DeliveryEnqueuer(queues, config.retryPolicies);
  const dispatcher = new Dispatcher(db, new NotificationPusher(redis, names.socketIoKey), enqueuer);
  const subscriptions = new SubscriptionFanout(
    db,
    new SubscriptionDirectory(new Subscriptions(db), redis, names.subscriptionVersionKey, config.router.subscriptionCacheTtlMs),
    enqueuer,
  );
  const directory = new RecipientDirectory(db, redis, names.recipientVersionKey, config.router.preferenceCacheTtlMs);

  const metrics = new ServiceMetrics("router");
  // Read on the fail-fast connection: a scrape during a Redis outage answers at once, without the backlog.
  const routerMetrics = new RouterMetrics(metrics, () => readStreamBacklog(readinessRedis, names.eventStream, ROUTER_CONSUMER_GROUP));
  const app = createServiceApp({
    service: "router",
    metrics,
    metricsToken: config.metricsToken,
    readiness: {
      redis: () => pingRedis(readinessRedis),
      postgres: () => pingDatabase(db),
      // Gone with a Redis that lost its data; the consumer re-creates it at its next read.
      consumerGroup: () => consumerGroupExists(readinessRedis, names.eventStream, ROUTER_CONSUMER_GROUP),
    },
  });
  const server = createHttpServer(app, config.http);
  // The port is part of the default consumer name: listen first.
  const port = await listen(server, config.port);
  const consumerName = config.router.consumerName ?? defaultConsumerName(os.hostname(), port);
  const fanouts = new FanoutStore(db, consumerName, config.router.claimIdleMs);
  const fanoutRunner = new FanoutRunner({
    db,
    store,
    fanouts,
    recipients: new FanoutRecipients(),
    directory,
    dispatcher,
    metrics: routerMetrics,
    logger,
    chunkSize: config.router.fanoutChunk,
    maxFailures: config.router.maxDeliveries,
    idleMs: config.router.blockMs,
  });
  const fanoutIntake = new FanoutIntake(db, store, fanouts, {
    chunkSize: config.router.fanoutChunk,
    idConflictReason,
    ownerOf,
    onAccepted: fanoutRunner.wake,
  });
  const sizer = new BatchSizer({ maxEntries: config.router.batchSize, targetRows: config.router.batchRows });
  const consumer = new StreamConsumer(
    reader,
    redis,
    {
      stream: names.eventStream,
      group: ROUTER_CONSUMER_GROUP,
      consumer: consumerName,
      deadLetterStream: names.deadLetterStream,
      batchSize: config.router.batchSize,
      nextBatchSize: () => sizer.size,
      blockMs: config.router.blockMs,
      claimIdleMs: config.router.claimIdleMs,
      maxDeliveries: config.router.maxDeliveries,
      retentionMs: config.router.eventRetentionMs,
      dependenciesHealthy: async () => (await pingDatabase(db)) && (await pingRedis(readinessRedis)),
      logger,
      onDeadLetter: routerMetrics.deadLettered,
    },
    createBatchRouter({ directory, store, dispatcher, logger, metrics: routerMetrics, fanouts: fanoutIntake, subscriptions, sizer }),
  );
  await consumer.start();
  fanoutRunner.start();
  logger.info({ port, consumer: consumerName }, "router consuming events");

  onShutdown(logger, [
    () => Promise.all([consumer.stop(), fanoutRunner.stop()]),
    () => closeServer(server),
    () => queues.close(),
    () => Promise.all([redis.quit(), reader.disconnect(), readinessRedis.disconnect(), db.$disconnect()]),
  ]);
}

main().catch(exitOnStartupFailure(createLogger("router")));
