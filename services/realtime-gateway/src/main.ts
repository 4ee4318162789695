import express from "express";
import { Queue } from "bullmq";
import cors from "cors";
import { QUEUES, redisNames } from "@herald/runtime";
import { createDatabase, isDatabaseUnavailable, migrationsFor, pingDatabase } from "@herald/db";
import {
  createLogger,
  createReadinessRedis,
  createRedis,
  createHttpServer,
  createServiceApp,
  errorHandler,
  exitOnStartupFailure,
  listen,
  notFoundHandler,
  onShutdown,
  pingRedis,
  RecipientVersion,
  ServiceMetrics,
} from "@herald/runtime";
import { SchedulerJobs } from "@herald/dispatch";
import { createEventsRouter } from "./api/events-router";
import { NotificationRepository } from "./notification-repository";
import { Explainer } from "./api/explain";
import { createNotificationsRouter } from "./api/notifications-router";
import { ActionPublisher } from "./api/action-publisher";
import { AlertAcknowledgements } from "./alert-acknowledgements";
import { PreferencesRepository } from "./api/preferences-repository";
import { createSettingsRouter } from "./api/settings-router";
import { SettingsRepository } from "./api/settings-repository";
import { createSocketServer } from "./socket/socket-server";
import { createAdminProxyRouter } from "./api/admin-proxy";
import { createToastConfigRouter } from "./api/toast-config-router";
import { UserSync } from "./user-sync";
import { createWebUiRouter } from "./web-ui";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("realtime-gateway", config.logLevel);
  if (config.migrateOnStart) await migrationsFor(config, (msg, f) => logger.info(f, msg))();
  const db = createDatabase(config.databaseUrl);
  const pubClient = createRedis(config, { name: "gateway-pub", logger });
  const subClient = pubClient.duplicate();
  const readinessRedis = createReadinessRedis(config, { name: "gateway-ready", logger });
  const names = redisNames(config.namespace);
  const repository = new NotificationRepository(db);
  const version = new RecipientVersion(pubClient, names.recipientVersionKey);
  const users = new UserSync(db, version);
  const schedulerQueue = new Queue(QUEUES.scheduler, { connection: pubClient.duplicate(), prefix: names.queuePrefix });
  const scheduler = new SchedulerJobs(schedulerQueue);

  const metrics = new ServiceMetrics("realtime-gateway");
  const app = createServiceApp({
    service: "realtime-gateway",
    readiness: { redis: () => pingRedis(readinessRedis), postgres: () => pingDatabase(db) },
    metrics,
    metricsToken: config.metricsToken,
  });
  app.use(cors({ origin: config.corsOrigins ? [...config.corsOrigins] : true }));
  const server = createHttpServer(app, config.http);
  const { io, broadcastUnreadCount } = createSocketServer({
    httpServer: server,
    auth: config.auth,
    pubClient,
    subClient,
    socketIoKey: names.socketIoKey,
    corsOrigins: config.corsOrigins,
    gateway: config.gateway,
    repository,
    users,
    logger,
    metrics,
  });
  // Before the JSON parser: the operator API's bodies go on to ingest as they came.
  if (config.ingest) app.use("/api/v1/admin", createAdminProxyRouter(config.ingest));
  app.use(express.json({ limit: "64kb" }));
  // Before the routers below, which require a user token for everything under this path.
  app.use("/api/v1/notifications", createToastConfigRouter(config.gateway.toast));
  const preferences = new PreferencesRepository(db, version);
  app.use(
    "/api/v1/notifications",
    createSettingsRouter({
      auth: config.auth,
      db,
      preferences,
      settings: new SettingsRepository(db, version),
      scheduler,
      users,
      webhookAllowedHosts: config.webhookAllowedHosts,
    }),
  );
  app.use(
    "/api/v1/notifications",
    createNotificationsRouter({
      auth: config.auth,
      repository,
      users,
      explainer: new Explainer(db, preferences),
      broadcastUnreadCount,
      pageMaxBytes: config.gateway.pageMaxBytes,
      actions: new ActionPublisher(pubClient, names, config.idempotencyTtlSeconds),
      acknowledgements: new AlertAcknowledgements(db),
    }),
  );
  app.use("/api/v1/events", createEventsRouter({ auth: config.auth, db, users }));
  // The web notification center (packages/web) at /, after the API so it can never shadow a route.
  app.use(createWebUiRouter());
  app.use(notFoundHandler);
  // Postgres down answers 503 database_unavailable (the client retries), not 500; a query bug stays a 500.
  app.use(errorHandler(logger, { outages: { database: isDatabaseUnavailable } }));

  const port = await listen(server, config.port);
  logger.info({ port }, "realtime gateway listening");

  onShutdown(logger, [
    // Closing Socket.IO disconnects clients, which reconnect to another gateway.
    () => new Promise((resolve) => io.close(() => resolve(undefined))),
    () => schedulerQueue.close(),
    () => Promise.all([pubClient.quit(), subClient.quit(), readinessRedis.disconnect(), db.$disconnect()]),
  ]);
}

main().catch(exitOnStartupFailure(createLogger("realtime-gateway")));
