import http from "node:http";
import cors from "cors";
import { loadConfig, redisNames } from "@herald/core";
import { applyMigrations, createDatabase, pingDatabase } from "@herald/db";
import { createLogger, createRedis, createServiceApp, errorHandler, exitOnStartupFailure, listen, notFoundHandler, onShutdown, pingRedis } from "@herald/runtime";
import { NotificationRepository } from "./notification-repository";
import { createNotificationsRouter } from "./notifications-router";
import { createSocketServer } from "./socket-server";
import { UserSync } from "./user-sync";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("realtime-gateway", config.logLevel);
  if (config.migrateOnStart) {
    await applyMigrations({ databaseUrl: config.databaseUrl, migrationsDir: config.migrationsDir, log: (msg, f) => logger.info(f, msg) });
  }
  const db = createDatabase(config.databaseUrl);
  const pubClient = createRedis(config.redisUrl, { name: "gateway-pub", logger });
  const subClient = pubClient.duplicate();
  const repository = new NotificationRepository(db);
  const users = new UserSync(db);

  const app = createServiceApp({
    service: "realtime-gateway",
    readiness: { redis: () => pingRedis(pubClient), postgres: () => pingDatabase(db) },
  });
  app.use(cors({ origin: config.corsOrigins ? [...config.corsOrigins] : true }));
  const server = http.createServer(app);
  const { io, broadcastUnreadCount } = createSocketServer({
    httpServer: server,
    auth: config.auth,
    pubClient,
    subClient,
    socketIoKey: redisNames(config.namespace).socketIoKey,
    corsOrigins: config.corsOrigins,
    repository,
    users,
    logger,
  });
  app.use("/api/v1/notifications", createNotificationsRouter({ auth: config.auth, repository, users, broadcastUnreadCount }));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const port = await listen(server, config.ports.gateway);
  logger.info({ port }, "realtime gateway listening");

  onShutdown(logger, [
    // Closing Socket.IO disconnects clients, which reconnect to another gateway.
    () => new Promise((resolve) => io.close(() => resolve(undefined))),
    () => Promise.all([pubClient.quit(), subClient.quit(), db.$disconnect()]),
  ]);
}

main().catch(exitOnStartupFailure(createLogger("realtime-gateway")));
