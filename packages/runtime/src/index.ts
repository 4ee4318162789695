export { createLogger, type Logger } from "./logger";
export {
  createReadinessRedis,
  createRedis,
  orderedConnection,
  pingRedis,
  type RedisClient,
  type RedisConnectionOptions,
  type RedisTarget,
} from "./redis";
export { withOrderedPublish } from "./ordered-publish";
export { OnceReady, type Closable } from "./once-ready";
export { parseClusterNode, type RedisClusterNode } from "./redis-cluster-nodes";
export {
  clientError,
  closeServer,
  createHttpServer,
  createServiceApp,
  errorHandler,
  listen,
  notFoundHandler,
  type ErrorHandlerOptions,
  type ReadinessCheck,
  type ServiceAppOptions,
} from "./http-service";
export { exitOnStartupFailure, onShutdown, type ShutdownStep } from "./shutdown";
export { parseBody, parseEventTypeParam, parseQuery, requireJson } from "./request-parsing";
export { RecipientVersion } from "./recipient-version";
export { newWebhookSecret } from "./webhook-secret";
export { QUEUES, ROUTER_CONSUMER_GROUP, redisNames, userRoom, type RedisNames } from "./names";
export { ADDRESS_POLICY_ENV, isAllowlistedHost, isPermittedLiteralHost, isPublicAddress, webhookAllowedHosts } from "./address-policy";
export { ConfigError } from "./config-error";
export { ServiceMetrics, type Counter, type Gauge, type GaugeSample, type Histogram } from "./metrics";
export { commaList, flag, nonNegativeInt, optionalNonNegativeInt, optionalString, percent, port, positiveInt } from "./config-fields";
export { EVENT_RETENTION_ENV } from "./event-retention";
export { readStreamBacklog, type StreamBacklog } from "./stream-backlog";
export {
  BASE_ENV,
  INSTALLATION_ENV,
  SERVICE_PORTS,
  baseConfig,
  installationConfig,
  loadInstallationConfig,
  parseEnv,
  type BaseConfig,
  type HttpTimeouts,
  type InstallationConfig,
  type LogLevel,
} from "./service-config";
