import { AUTH_ENV, authConfig, type AuthConfig } from "@herald/auth";
import { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies } from "@herald/dispatch";
import {
  BASE_ENV,
  baseConfig,
  DATABASE_ENV,
  databaseConfig,
  parseEnv,
  port,
  positiveInt,
  REDIS_ENV,
  redisConfig,
  SERVICE_PORTS,
  type BaseConfig,
  type DatabaseConfig,
  type RedisConfig,
} from "@herald/runtime";

const ENV = {
  ...BASE_ENV,
  ...REDIS_ENV,
  ...DATABASE_ENV,
  ...AUTH_ENV,
  // The operator API re-enqueues dead letters with the same policies the router uses.
  ...RETRY_POLICY_ENV,
  INGEST_PORT: port(SERVICE_PORTS.ingest),
  INGEST_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  /** Unprocessed stream entries above which ingest answers 429. */
  INGEST_MAX_BACKLOG: positiveInt(100_000),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600),
};

export interface IngestConfig extends BaseConfig, RedisConfig, DatabaseConfig {
  readonly port: number;
  readonly auth: AuthConfig;
  readonly ingest: {
    readonly maxBodyBytes: number;
    readonly maxBacklog: number;
    readonly idempotencyTtlSeconds: number;
  };
  readonly retryPolicies: RetryPolicies;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): IngestConfig {
  const env = parseEnv(ENV, source);
  const base = baseConfig(env);
  return {
    ...base,
    ...redisConfig(env),
    ...databaseConfig(env),
    port: env.INGEST_PORT,
    auth: authConfig(env, base.production),
    ingest: {
      maxBodyBytes: env.INGEST_MAX_BODY_BYTES,
      maxBacklog: env.INGEST_MAX_BACKLOG,
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    },
    retryPolicies: retryPolicies(env),
  };
}
