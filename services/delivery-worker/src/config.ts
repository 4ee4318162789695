import { RETRY_POLICY_ENV, retryPolicies, type RetryPolicies } from "@herald/dispatch";
import {
  INSTALLATION_ENV,
  installationConfig,
  ADDRESS_POLICY_ENV,
  flag,
  optionalString,
  parseEnv,
  port,
  positiveInt,
  SERVICE_PORTS,
  webhookAllowedHosts,
  type InstallationConfig,
} from "@herald/runtime";
import { z } from "zod";

const ENV = {
  ...INSTALLATION_ENV,
  ...ADDRESS_POLICY_ENV,
  // The sweeper re-adds lost jobs with the same retry policy the router gives them.
  ...RETRY_POLICY_ENV,
  DELIVERY_WORKER_PORT: port(SERVICE_PORTS.deliveryWorker),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  WEBHOOK_CONCURRENCY: positiveInt(32),
  /** Requests in flight to one host at most, so a slow endpoint cannot take every worker slot. */
  WEBHOOK_PER_HOST_CONCURRENCY: positiveInt(4),
  EMAIL_CONCURRENCY: positiveInt(8),
  /** Where users open Herald (the gateway's public address): a notification's link that is a path is sent in emails against it, and left out without it. */
  HERALD_PUBLIC_URL: optionalString,
  SMTP_HOST: z.string().default("127.0.0.1"),
  SMTP_PORT: port(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when offered. */
  SMTP_SECURE: flag(false),
  SMTP_FROM: z.string().default("Herald <herald@localhost>"),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_POOL_SIZE: positiveInt(5),
  /** BullMQ lock on a job in hand; a worker that dies loses it after this and the job runs again. */
  DELIVERY_LOCK_MS: positiveInt(30_000),
  DELIVERY_STALLED_INTERVAL_MS: positiveInt(30_000),
  /**
   * Times a job may be found stalled (its worker died, or lost Redis for
   * longer than the lock, mid-job) and run again; one more stall fails it and
   * its delivery is dead-lettered. A stall is not the destination's fault, so
   * it spends none of the delivery's attempts, and a rolling restart or two
   * must not cost a delivery; but each stalled run may have sent its request,
   * and a job that takes a worker down three times running is more likely the
   * cause than the victim, so it is stopped for an operator to look at rather
   * than sent on forever. (BullMQ's default, 1, failed a job on its second
   * stall and left its delivery queued.)
   */
  DELIVERY_MAX_STALLED_COUNT: positiveInt(3),
  /** While Postgres is unreachable the workers take no job; this is how often it is asked whether it answers again. */
  DELIVERY_OUTAGE_PROBE_MS: positiveInt(1_000),
  /** How often the sweeper looks for queued deliveries whose job is gone or failed. */
  DELIVERY_SWEEP_INTERVAL_MS: positiveInt(60_000),
  /**
   * A queued delivery is looked at once nothing has touched it for this long:
   * long enough that the router, which stores the row before it adds the
   * job, has done both.
   */
  DELIVERY_SWEEP_AGE_MS: positiveInt(120_000),
  /** Queued deliveries looked at per sweep at most (the next sweep goes on from there). */
  DELIVERY_SWEEP_BATCH: positiveInt(500),
};

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly from: string;
  readonly user?: string;
  readonly password?: string;
  readonly poolSize: number;
}

export interface DeliveryConfig {
  readonly webhook: {
    readonly timeoutMs: number;
    readonly concurrency: number;
    readonly perHostConcurrency: number;
    readonly allowedHosts: readonly string[];
  };
  readonly email: { readonly concurrency: number; readonly publicUrl?: string };
  readonly smtp: SmtpConfig;
  readonly lockMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  readonly outageProbeMs: number;
  readonly sweep: { readonly intervalMs: number; readonly ageMs: number; readonly batch: number };
  readonly retryPolicies: RetryPolicies;
}

export interface DeliveryWorkerConfig extends InstallationConfig {
  /** Health port. */
  readonly port: number;
  readonly delivery: DeliveryConfig;
}

export function loadConfig(source: Record<string, string | undefined> = process.env): DeliveryWorkerConfig {
  const env = parseEnv(ENV, source);
  return {
    ...installationConfig(env),
    port: env.DELIVERY_WORKER_PORT,
    delivery: {
      webhook: {
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        concurrency: env.WEBHOOK_CONCURRENCY,
        perHostConcurrency: env.WEBHOOK_PER_HOST_CONCURRENCY,
        allowedHosts: webhookAllowedHosts(env),
      },
      email: { concurrency: env.EMAIL_CONCURRENCY, publicUrl: env.HERALD_PUBLIC_URL },
      smtp: {
        host: env.SMTP_HOST,
        port: env.SMTP_PORT,
        secure: env.SMTP_SECURE,
        from: env.SMTP_FROM,
        user: env.SMTP_USER,
        password: env.SMTP_PASSWORD,
        poolSize: env.SMTP_POOL_SIZE,
      },
      lockMs: env.DELIVERY_LOCK_MS,
      stalledIntervalMs: env.DELIVERY_STALLED_INTERVAL_MS,
      maxStalledCount: env.DELIVERY_MAX_STALLED_COUNT,
      outageProbeMs: env.DELIVERY_OUTAGE_PROBE_MS,
      sweep: { intervalMs: env.DELIVERY_SWEEP_INTERVAL_MS, ageMs: env.DELIVERY_SWEEP_AGE_MS, batch: env.DELIVERY_SWEEP_BATCH },
      retryPolicies: retryPolicies(env),
    },
  };
}
