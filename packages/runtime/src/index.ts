export { createLogger, type Logger } from "./logger";
export { createRedis, pingRedis, type RedisConnectionOptions } from "./redis";
export { closeServer, createServiceApp, errorHandler, listen, notFoundHandler, type ReadinessCheck, type ServiceAppOptions } from "./http-service";
export { exitOnStartupFailure, onShutdown, type ShutdownStep } from "./shutdown";
export { parseBody, parseQuery, requireJson, type FieldProblem } from "./request-parsing";
export { RecipientVersion } from "./recipient-version";
