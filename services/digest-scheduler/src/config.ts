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
  ...RETRY_POLICY_ENV,
  DIGEST_SCHEDULER_PORT: port(SERVICE_PORTS.digestScheduler),
  DIGEST_HOURLY_MS: positiveInt(3_600_000),
  DIGEST_DAILY_MS: positiveInt(86_400_000),
  /** How often due digests and DND releases are checked. */
  SCHEDULER_TICK_MS: positiveInt(60_000),
};

export interface SchedulerConfig extends BaseConfig, RedisConfig, DatabaseConfig {
  /** Health port. */
  readonly port: number;
  readonly scheduler: {
    readonly tickMs: number;
    readonly digestIntervalMs: { readonly hourly: number; readonly daily: number };
  };
  readonly retryPolicies: RetryPolicies;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): SchedulerConfig {
  const env = parseEnv(ENV, source);
  return {
    ...baseConfig(env),
    ...redisConfig(env),
    ...databaseConfig(env),
    port: env.DIGEST_SCHEDULER_PORT,
    scheduler: {
      tickMs: env.SCHEDULER_TICK_MS,
      digestIntervalMs: { hourly: env.DIGEST_HOURLY_MS, daily: env.DIGEST_DAILY_MS },
    },
    retryPolicies: retryPolicies(env),
  };
}
