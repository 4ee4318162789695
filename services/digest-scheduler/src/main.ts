import { Queue } from "bullmq";
import { QUEUES, redisNames } from "@herald/runtime";
import { createDatabase, migrationsFor, pingDatabase } from "@herald/db";
import { DeliveryEnqueuer, Dispatcher, NotificationPusher, openDeliveryQueues, SCHEDULER_JOBS } from "@herald/dispatch";
import {
  closeServer,
  createLogger,
  createReadinessRedis,
  createRedis,
  createHttpServer,
  createServiceApp,
  exitOnStartupFailure,
  listen,
  OnceReady,
  onShutdown,
  pingRedis,
  ServiceMetrics,
} from "@herald/runtime";
import { SchedulerMetrics } from "./scheduler-metrics";
import { startSchedulerWorker } from "./scheduler-worker";
import { TickSchedule, tickScheduled } from "./tick-schedule";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("digest-scheduler", config.logLevel);
  if (config.migrateOnStart) await migrationsFor(config, (msg, f) => logger.info(f, msg))();
  const names = redisNames(config.namespace);
  const db = createDatabase(config.databaseUrl);
  const redis = createRedis(config, { name: "digest-scheduler", logger });
  const workerConnection = createRedis(config, { name: "digest-scheduler-worker", logger });
  const readinessRedis = createReadinessRedis(config, { name: "digest-scheduler-ready", logger });
  const queue = new Queue(QUEUES.scheduler, { connection: redis, prefix: names.queuePrefix });
  const deliveryQueues = openDeliveryQueues(redis, names.queuePrefix);
  const pusher = new NotificationPusher(redis, names.socketIoKey);
  const dispatcher = new Dispatcher(db, pusher, new DeliveryEnqueuer(deliveryQueues, config.retryPolicies));

  const metrics = new ServiceMetrics("digest-scheduler");
  const { tickMs } = config.scheduler;
  const schedule = new TickSchedule(queue, { name: SCHEDULER_JOBS.tick, everyMs: tickMs, checkEveryMs: tickMs }, logger);
  const retentionSchedule = new TickSchedule(
    queue,
    { name: SCHEDULER_JOBS.retention, everyMs: config.retention.tickMs, checkEveryMs: Math.min(tickMs, config.retention.tickMs) },
    logger,
  );
  await Promise.all([schedule.start(), retentionSchedule.start()]);
  const worker = startSchedulerWorker({
    queue,
    connection: workerConnection,
    prefix: names.queuePrefix,
    db,
    dispatcher,
    pusher,
    clock: { intervalMs: config.scheduler.digestIntervalMs },
    throttleWindowMs: config.scheduler.throttleWindowMs,
    metrics: new SchedulerMetrics(metrics),
    retention: config.retention,
    logger,
  });
  // The same queue on the fail-fast connection, for /ready.
  const readinessQueue = new OnceReady(
    readinessRedis,
    () => new Queue(QUEUES.scheduler, { connection: readinessRedis, prefix: names.queuePrefix }),
  );
  const scheduled = async (name: string) => {
    const queue = readinessQueue.get();
    return queue !== undefined && (await tickScheduled(queue, name));
  };

  const app = createServiceApp({
    service: "digest-scheduler",
    readiness: {
      redis: () => pingRedis(readinessRedis),
      postgres: () => pingDatabase(db),
      tickScheduler: () => scheduled(SCHEDULER_JOBS.tick),
      retentionScheduler: () => scheduled(SCHEDULER_JOBS.retention),
    },
    metrics,
    metricsToken: config.metricsToken,
  });
  const server = createHttpServer(app, config.http);
  const port = await listen(server, config.port);
  logger.info({ port, tickMs: config.scheduler.tickMs, retention: config.retention }, "digest scheduler running");

  onShutdown(logger, [
    () => {
      schedule.stop();
      retentionSchedule.stop();
    },
    // Finishes the jobs in hand; BullMQ hands unfinished ones to another replica after a crash.
    () => worker.close(),
    () => closeServer(server),
    () => Promise.all([queue.close(), readinessQueue.close()]),
    () => deliveryQueues.close(),
    () => Promise.all([redis.quit(), workerConnection.quit(), readinessRedis.disconnect(), db.$disconnect()]),
  ]);
}

main().catch(exitOnStartupFailure(createLogger("digest-scheduler")));
