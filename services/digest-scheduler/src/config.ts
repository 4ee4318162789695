import { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies } from "@herald/dispatch";
import { INSTALLATION_ENV, installationConfig, parseEnv, port, positiveInt, SERVICE_PORTS, type InstallationConfig } from "@herald/runtime";

const ENV = {
  ...INSTALLATION_ENV,
  ...RETRY_POLICY_ENV,
  DIGEST_SCHEDULER_PORT: port(SERVICE_PORTS.digestScheduler),
  DIGEST_HOURLY_MS: positiveInt(3_600_000),
  DIGEST_DAILY_MS: positiveInt(86_400_000),
  /** How often due digests and DND releases are checked (and the tick's job scheduler re-created if Redis lost it). */
  SCHEDULER_TICK_MS: positiveInt(60_000),
};

export interface SchedulerConfig extends InstallationConfig {
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
    ...installationConfig(env),
    port: env.DIGEST_SCHEDULER_PORT,
    scheduler: {
      tickMs: env.SCHEDULER_TICK_MS,
      digestIntervalMs: { hourly: env.DIGEST_HOURLY_MS, daily: env.DIGEST_DAILY_MS },
    },
    retryPolicies: retryPolicies(env),
  };
}
