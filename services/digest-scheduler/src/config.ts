import { RETRY_POLICY_ENV, retryPolicies, THROTTLE_ENV, type RetryPolicies } from "@herald/dispatch";
import {
  EVENT_RETENTION_ENV,
  INSTALLATION_ENV,
  installationConfig,
  parseEnv,
  port,
  positiveInt,
  SERVICE_PORTS,
  type InstallationConfig,
} from "@herald/runtime";

const ENV = {
  ...INSTALLATION_ENV,
  ...RETRY_POLICY_ENV,
  ...EVENT_RETENTION_ENV,
  // The tick summarizes each throttle window once it is over.
  ...THROTTLE_ENV,
  DIGEST_SCHEDULER_PORT: port(SERVICE_PORTS.digestScheduler),
  DIGEST_HOURLY_MS: positiveInt(3_600_000),
  DIGEST_DAILY_MS: positiveInt(86_400_000),
  /** How often due digests and DND releases are checked (and the tick's job scheduler re-created if Redis lost it). */
  SCHEDULER_TICK_MS: positiveInt(60_000),
  /** How often retention runs (its own job scheduler). */
  RETENTION_TICK_MS: positiveInt(3_600_000),
  /** Read notifications older than this are deleted. */
  NOTIFICATION_RETENTION_MS: positiveInt(90 * 86_400_000),
  /** Notifications a user keeps at most. */
  NOTIFICATION_MAX_PER_USER: positiveInt(1000),
  /** Rows one retention statement deletes at most (its own short transaction). */
  RETENTION_BATCH_SIZE: positiveInt(1000),
};

export interface SchedulerConfig extends InstallationConfig {
  /** Health port. */
  readonly port: number;
  readonly scheduler: {
    readonly tickMs: number;
    readonly digestIntervalMs: { readonly hourly: number; readonly daily: number };
    readonly throttleWindowMs: number;
  };
  readonly retention: RetentionConfig;
  readonly retryPolicies: RetryPolicies;
}

export interface RetentionConfig {
  readonly tickMs: number;
  readonly eventMs: number;
  readonly readNotificationMs: number;
  readonly maxPerUser: number;
  readonly batchSize: number;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): SchedulerConfig {
  const env = parseEnv(ENV, source);
  return {
    ...installationConfig(env),
    port: env.DIGEST_SCHEDULER_PORT,
    scheduler: {
      tickMs: env.SCHEDULER_TICK_MS,
      digestIntervalMs: { hourly: env.DIGEST_HOURLY_MS, daily: env.DIGEST_DAILY_MS },
      throttleWindowMs: env.THROTTLE_WINDOW_MS,
    },
    retention: {
      tickMs: env.RETENTION_TICK_MS,
      eventMs: env.EVENT_RETENTION_MS,
      readNotificationMs: env.NOTIFICATION_RETENTION_MS,
      maxPerUser: env.NOTIFICATION_MAX_PER_USER,
      batchSize: env.RETENTION_BATCH_SIZE,
    },
    retryPolicies: retryPolicies(env),
  };
}
