import { redisNames } from "@herald/runtime";
import { requireUser } from "@herald/auth";
import {
  createDatabase,
  DecisionRecords,
  migrationsFor,
  pingDatabase,
  Subscriptions,
  TenantPreferences,
  TenantSettingsStore,
} from "@herald/db";
import {
  closeServer,
  createLogger,
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
import { createAdminLoginRouter, DASHBOARD_PATH, denyFraming, requireAdminSession } from "./operator/admin-auth";
import { createAdminDeliveriesRouter } from "./operator/admin-deliveries-router";
import { AdminSessionStore } from "./operator/admin-session-store";
import { createAdminUsersRouter } from "./operator/admin-users-router";
import { createTenantPreferencesRouter } from "./operator/tenant-preferences-router";
import { createTenantSettingsRouter } from "./operator/tenant-settings-router";
import { createAdminDecisionsRouter } from "./operator/admin-decisions-router";
import { createAdminStatsRouter } from "./operator/admin-stats-router";
import { requireOperatorTenant } from "./operator/operator-tenant";
import { DeliveryStatistics } from "./operator/delivery-statistics";
import { dashboardPagePolicy } from "./operator/dashboard-page-policy";
import { DatabaseAvailability } from "./operator/database-availability";
import { DeliveryRepository } from "./operator/delivery-repository";
import { EventPublisher } from "./publish/event-publisher";
import { EventIntake } from "./publish/event-intake";
import { createPublishHandler } from "./publish/publish-handler";
import { PublishMetrics } from "./publish/publish-metrics";
import { createQueueDashboard } from "./operator/queue-dashboard";
import { OperatorQueues } from "./operator/operator-queues";
import { UserProvisioning } from "./operator/user-provisioning";
import { createAdminSubscriptionsRouter } from "./subscriptions/admin-subscriptions-router";
import { SubscriptionChanges } from "./subscriptions/subscription-changes";
import { createSubscriptionsRouter, requireSubscriber } from "./subscriptions/subscriptions-router";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("ingest", config.logLevel);
  const names = redisNames(config.namespace);
  const redis = createRedis(config, { failFast: true, name: "ingest", logger });
  // Its own connection, auto-pipelined: concurrent publishes share one write to Redis each tick.
  const publishRedis = createRedis(config, { failFast: true, name: "ingest-publish", logger, autoPipelining: true });
  const publisher = new EventPublisher(publishRedis, {
    names,
    backlog: config.ingest.backlog,
    idempotencyTtlSeconds: config.ingest.idempotencyTtlSeconds,
  });

  // Operator side: Postgres and the BullMQ queues. Publishing above uses neither.
  const db = createDatabase(config.databaseUrl, { poolSize: 4 });
  const database = new DatabaseAvailability({
    ping: () => pingDatabase(db),
    migrate: config.migrateOnStart ? migrationsFor(config, (msg, f) => logger.info(f, msg)) : undefined,
    logger,
  });
  const queueRedis = createRedis(config, { failFast: true, name: "ingest-queues", logger });
  const queues = new OperatorQueues(queueRedis, names.queuePrefix, config.retryPolicies);
  const deliveries = new DeliveryRepository(db);
  const recipientVersion = new RecipientVersion(redis, names.recipientVersionKey);
  const users = new UserProvisioning(db, recipientVersion);
  const subscriptions = new Subscriptions(db);
  const subscriptionChanges = new SubscriptionChanges(new RecipientVersion(redis, names.subscriptionVersionKey), logger);
  const adminAuth = {
    auth: config.auth,
    sessions: new AdminSessionStore(redis, names.adminSessionKeyPrefix, config.dashboard.sessionIdleSeconds),
    secureCookies: config.production,
    operatorTenant: config.dashboard.operatorTenant,
  };

  // Publishing needs only Redis: with Postgres down ingest stays in rotation, reporting "degraded".
  const metrics = new ServiceMetrics("ingest");
  const app = createServiceApp({
    service: "ingest",
    readiness: { redis: () => pingRedis(redis) },
    degradedBy: { postgres: () => database.ready() },
    metrics,
    metricsToken: config.metricsToken,
  });
  app.use(
    "/api/v1/admin",
    requireUser(config.auth, { admin: true }),
    database.guard,
    createAdminDeliveriesRouter({
      repository: deliveries,
      retry: { queuer: queues, queueReachable: () => queues.reachable(), logger },
    }),
    createAdminUsersRouter({ users }),
    createTenantPreferencesRouter({ preferences: new TenantPreferences(db), version: recipientVersion }),
    createTenantSettingsRouter({ settings: new TenantSettingsStore(db) }),
    createAdminDecisionsRouter({ decisions: new DecisionRecords(db) }),
    createAdminStatsRouter({ statistics: new DeliveryStatistics(db, queueRedis, names.eventStream, () => queues.all()) }),
    createAdminSubscriptionsRouter({ subscriptions, changes: subscriptionChanges }),
    database.errors,
  );
  app.use(
    "/api/v1/subscriptions",
    requireSubscriber(config.auth),
    database.guard,
    createSubscriptionsRouter({
      subscriptions,
      changes: subscriptionChanges,
      allowedHosts: config.subscriptions.allowedHosts,
      replay: {
        queuer: queues,
        queueReachable: () => queues.reachable(),
        maxEvents: config.subscriptions.replayMaxEvents,
        logger,
      },
    }),
    database.errors,
  );
  app.use("/admin", denyFraming, createAdminLoginRouter(adminAuth));
  app.use(
    DASHBOARD_PATH,
    dashboardPagePolicy,
    requireAdminSession(adminAuth),
    requireOperatorTenant(config.dashboard.operatorTenant),
    createQueueDashboard(() => queues.all(), DASHBOARD_PATH),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  // The publishing endpoints are answered in front of Express; every other request goes on to it.
  const publish = createPublishHandler(
    {
      auth: config.auth,
      intake: new EventIntake({ publisher, maxPayloadBytes: config.ingest.maxPayloadBytes, logger }),
      maxBodyBytes: config.ingest.maxBodyBytes,
      metrics: new PublishMetrics(metrics),
      logger,
    },
    app,
  );
  const server = createHttpServer(publish, config.http);
  const port = await listen(server, config.port);
  database.start();
  logger.info({ port }, "ingest listening");

  onShutdown(logger, [
    () => closeServer(server),
    () => database.stop(),
    () => queues.close(),
    () => Promise.all([redis.quit(), publishRedis.quit(), queueRedis.quit(), db.$disconnect()]),
  ]);
}

main().catch(exitOnStartupFailure(createLogger("ingest")));
