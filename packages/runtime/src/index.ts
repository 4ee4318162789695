export { createLogger, type Logger } from "./logger";
export { createRedis, pingRedis, type RedisConnectionOptions } from "./redis";
export { closeServer, createServiceApp, errorHandler, listen, notFoundHandler, type ReadinessCheck, type ServiceAppOptions } from "./http-service";
export { exitOnStartupFailure, onShutdown, type ShutdownStep } from "./shutdown";
export { parseBody, parseQuery, requireJson, type FieldProblem } from "./request-parsing";
export { RecipientVersion } from "./recipient-version";
export { QUEUES, ROUTER_CONSUMER_GROUP, redisNames, userRoom, type RedisNames } from "./names";
export { isAllowlistedHost, isPermittedLiteralHost, isPublicAddress } from "./address-policy";
export {
  ConfigError,
  DEV_JWT_SECRET,
  GATEWAY_TRANSPORTS,
  loadConfig,
  type AlertThresholds,
  type AuthConfig,
  type DeliveryConfig,
  type RetryPolicy,
  type GatewayConfig,
  type GatewayTransport,
  type HardwareMonitorConfig,
  type HeraldConfig,
} from "./config";
