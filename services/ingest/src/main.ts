import http from "node:http";
import { loadConfig, redisNames } from "@herald/core";
import { createLogger, createRedis, createServiceApp, errorHandler, exitOnStartupFailure, listen, notFoundHandler, onShutdown, pingRedis } from "@herald/runtime";
import { EventPublisher } from "./event-publisher";
import { createEventsRouter } from "./events-router";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("ingest", config.logLevel);
  const redis = createRedis(config.redisUrl, { failFast: true, name: "ingest", logger });
  const publisher = new EventPublisher(redis, {
    names: redisNames(config.namespace),
    maxBacklog: config.ingest.maxBacklog,
    idempotencyTtlSeconds: config.ingest.idempotencyTtlSeconds,
  });

  const app = createServiceApp({ service: "ingest", readiness: { redis: () => pingRedis(redis) } });
  app.use("/api/v1/events", createEventsRouter({ auth: config.auth, publisher, maxBodyBytes: config.ingest.maxBodyBytes, logger }));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const server = http.createServer(app);
  const port = await listen(server, config.ports.ingest);
  logger.info({ port }, "ingest listening");

  onShutdown(logger, [() => new Promise((resolve) => server.close(resolve)), () => redis.quit()]);
}

main().catch(exitOnStartupFailure(createLogger("ingest")));
