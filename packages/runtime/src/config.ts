import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { ToastConfig } from "@herald/contract";

/**
 * All configuration comes from the environment, parsed once here. Services
 * read the fields they need; nothing else reads process.env.
 */
export const DEV_JWT_SECRET = "herald-dev-secret-not-for-production";

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const percent = (fallback: number) => z.coerce.number().min(0).max(100).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));
/** Unset (or blank) stays undefined: the setting then falls back to another one. */
const optionalNonNegativeInt = optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).optional());

const envSchema = z.object({
  NODE_ENV: z.string().default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HERALD_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - only")
    .default("herald"),

  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/notifications"),
  MIGRATE_ON_START: flag(true),
  MIGRATIONS_DIR: optionalString,

  JWT_SECRET: optionalString,
  JWT_PUBLIC_KEY: optionalString,

  INGEST_PORT: port(3000),
  GATEWAY_PORT: port(3001),
  ROUTER_PORT: port(3002),
  DELIVERY_WORKER_PORT: port(3003),
  DIGEST_SCHEDULER_PORT: port(3004),
  HARDWARE_MONITOR_PORT: port(3005),

  INGEST_MAX_BODY_BYTES: positiveInt(1024 * 1024),
  /** Unprocessed stream entries above which ingest answers 429. */
  INGEST_MAX_BACKLOG: positiveInt(100_000),
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600),

  /** Where, and as whom (a producer token), the hardware monitor publishes. */
  INGEST_URL: z.string().url().default("http://127.0.0.1:3000"),
  HERALD_TOKEN: optionalString,
  /** The host name alerts carry; defaults to the machine's (a DaemonSet passes the node name). */
  MONITOR_HOSTNAME: optionalString,
  NVIDIA_SMI_PATH: z.string().min(1).default("nvidia-smi"),
  /** A hung nvidia-smi (a GPU falling off the bus can cause one) is killed after this. */
  NVIDIA_SMI_TIMEOUT_MS: positiveInt(10_000),
  MONITOR_INTERVAL_MS: positiveInt(15_000),
  /** How long a threshold must hold, at every poll, before its alert fires. */
  MONITOR_FOR_MS: nonNegativeInt(60_000),
  /** Consecutive polls past the hysteresis margin before an alert clears. */
  MONITOR_CLEAR_POLLS: positiveInt(2),
  /** How often a persisting alert is announced again. */
  MONITOR_REPEAT_MS: positiveInt(4 * 3_600_000),
  /** Comma-separated mount points, or "auto": every real filesystem in /proc/self/mounts. */
  DISK_MOUNTS: z.string().default("/"),
  /** Where a container sees the host's root filesystem (e.g. /host): mounts are read under it. */
  MONITOR_HOST_ROOT: optionalString,
  GPU_TEMP_WARNING_C: z.coerce.number().default(85),
  GPU_TEMP_CRITICAL_C: z.coerce.number().default(90),
  GPU_TEMP_HYSTERESIS_C: z.coerce.number().min(0).default(5),
  DISK_FREE_WARNING_PERCENT: percent(10),
  DISK_FREE_CRITICAL_PERCENT: percent(5),
  DISK_FREE_HYSTERESIS_PERCENT: percent(5),
  /** Alerts wait here while ingest is unreachable, and alert state outlives restarts here. */
  MONITOR_BUFFER_DIR: optionalString,
  /** Buffered events kept at most; past it the oldest are dropped (and counted in /health). */
  MONITOR_BUFFER_MAX_EVENTS: positiveInt(10_000),
  /** Longest wait between delivery attempts while ingest is unreachable. */
  MONITOR_RETRY_MAX_MS: positiveInt(30_000),

  ROUTER_BATCH_SIZE: positiveInt(200),
  /** A pending entry idle this long belongs to a dead consumer and is reclaimed. */
  ROUTER_CLAIM_IDLE_MS: positiveInt(30_000),
  ROUTER_BLOCK_MS: positiveInt(2_000),
  ROUTER_CONSUMER_NAME: optionalString,
  /** Deliveries of one stream entry after which it is parked in the dead-letter stream. */
  ROUTER_MAX_DELIVERIES: positiveInt(10),

  /** Safety net for the router's preference cache, on top of explicit invalidation. */
  PREFERENCE_CACHE_TTL_MS: positiveInt(60_000),

  DIGEST_HOURLY_MS: positiveInt(3_600_000),
  DIGEST_DAILY_MS: positiveInt(86_400_000),
  /** How often due digests and DND releases are checked. */
  SCHEDULER_TICK_MS: positiveInt(60_000),

  /** Hosts webhooks may reach although they resolve to private, loopback or link-local addresses. */
  WEBHOOK_ALLOWED_HOSTS: optionalString,
  WEBHOOK_MAX_ATTEMPTS: positiveInt(5),
  /** First retry delay; each further retry doubles it. */
  WEBHOOK_BACKOFF_MS: positiveInt(1_000),
  WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  WEBHOOK_CONCURRENCY: positiveInt(32),
  /** Requests in flight to one host at most, so a slow endpoint cannot take every worker slot. */
  WEBHOOK_PER_HOST_CONCURRENCY: positiveInt(4),
  EMAIL_MAX_ATTEMPTS: positiveInt(5),
  EMAIL_BACKOFF_MS: positiveInt(1_000),
  EMAIL_CONCURRENCY: positiveInt(8),
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

  CORS_ORIGINS: optionalString,

  /** Sockets one user may hold on one gateway process; the next is refused. */
  GATEWAY_MAX_CONNECTIONS_PER_USER: positiveInt(20),
  /** Inbound Socket.IO messages per second one connection may send (sustained), and the burst above it. */
  GATEWAY_INBOUND_RATE_PER_SECOND: positiveInt(10),
  GATEWAY_INBOUND_BURST: positiveInt(20),
  /** Largest inbound Socket.IO message (clients only send small control messages). */
  GATEWAY_MAX_MESSAGE_BYTES: positiveInt(16 * 1024),
  /** Missed notifications replayed on reconnect at most; past it the newest are sent and the client told to reload the list. */
  GATEWAY_CATCH_UP_LIMIT: positiveInt(1000),
  /** Engine.IO transports accepted: "websocket" alone needs no sticky sessions; polling does. */
  GATEWAY_TRANSPORTS: z.string().default("polling,websocket"),
  /** How long a toast stays up before it closes by itself (0: until dismissed), and per category. */
  TOAST_EXPIRE_MS: nonNegativeInt(5_000),
  TOAST_EXPIRE_MS_JOB: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_REVIEW: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_SYSTEM: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_COLLABORATION: optionalNonNegativeInt,
  TOAST_EXPIRE_MS_DIGEST: optionalNonNegativeInt,
});

export type RawEnv = z.input<typeof envSchema>;

export interface AuthConfig {
  readonly algorithm: "HS256" | "RS256";
  /** HMAC secret (HS256) or PEM public key (RS256). */
  readonly verificationKey: string;
  /** Only set for HS256: the same secret signs dev tokens. */
  readonly signingSecret?: string;
  readonly usingDevSecret: boolean;
}

export interface HeraldConfig {
  readonly env: string;
  readonly production: boolean;
  readonly logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  readonly namespace: string;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly migrationsDir?: string;
  readonly auth: AuthConfig;
  readonly ports: {
    readonly ingest: number;
    readonly gateway: number;
    readonly router: number;
    readonly deliveryWorker: number;
    readonly digestScheduler: number;
    readonly hardwareMonitor: number;
  };
  readonly ingest: {
    readonly maxBodyBytes: number;
    readonly maxBacklog: number;
    readonly idempotencyTtlSeconds: number;
  };
  readonly hardwareMonitor: HardwareMonitorConfig;
  readonly router: {
    readonly batchSize: number;
    readonly claimIdleMs: number;
    readonly blockMs: number;
    readonly consumerName?: string;
    readonly maxDeliveries: number;
    readonly preferenceCacheTtlMs: number;
  };
  readonly delivery: DeliveryConfig;
  readonly scheduler: {
    readonly tickMs: number;
    readonly digestIntervalMs: { readonly hourly: number; readonly daily: number };
  };
  /** Allowed browser origins for REST and Socket.IO; undefined means any. */
  readonly corsOrigins?: readonly string[];
  readonly gateway: GatewayConfig;
}

export const GATEWAY_TRANSPORTS = ["polling", "websocket"] as const;
export type GatewayTransport = (typeof GATEWAY_TRANSPORTS)[number];

export interface GatewayConfig {
  readonly maxConnectionsPerUser: number;
  readonly inboundRatePerSecond: number;
  readonly inboundBurst: number;
  readonly maxMessageBytes: number;
  readonly catchUpLimit: number;
  readonly transports: readonly GatewayTransport[];
  readonly toast: ToastConfig;
}

/** Warning and critical levels of one metric, and how far back it must come to clear. */
export interface AlertThresholds {
  readonly warning: number;
  readonly critical: number;
  readonly hysteresis: number;
}

export interface HardwareMonitorConfig {
  readonly ingestUrl: string;
  readonly token?: string;
  readonly hostname: string;
  readonly nvidiaSmiPath: string;
  readonly nvidiaSmiTimeoutMs: number;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly clearPolls: number;
  readonly repeatMs: number;
  /** Mount points to watch, or "auto" to discover the real filesystems. */
  readonly diskMounts: readonly string[] | "auto";
  readonly hostRoot?: string;
  /** Degrees Celsius, at or above which a GPU is hot. */
  readonly gpuTemperature: AlertThresholds;
  /** Percent of space available to non-root users, below which a disk is short. */
  readonly diskFreePercent: AlertThresholds;
  readonly bufferDir: string;
  readonly bufferMaxEvents: number;
  readonly retryMaxMs: number;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffMs: number;
}

export interface DeliveryConfig {
  readonly webhook: RetryPolicy & {
    readonly timeoutMs: number;
    readonly concurrency: number;
    readonly perHostConcurrency: number;
    readonly allowedHosts: readonly string[];
  };
  readonly email: RetryPolicy & { readonly concurrency: number };
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly secure: boolean;
    readonly from: string;
    readonly user?: string;
    readonly password?: string;
    readonly poolSize: number;
  };
  readonly lockMs: number;
  readonly stalledIntervalMs: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function resolveAuth(env: z.infer<typeof envSchema>, production: boolean): AuthConfig {
  if (env.JWT_PUBLIC_KEY) {
    return { algorithm: "RS256", verificationKey: env.JWT_PUBLIC_KEY.replace(/\\n/g, "\n"), usingDevSecret: false };
  }
  const secret = env.JWT_SECRET ?? DEV_JWT_SECRET;
  const usingDevSecret = secret === DEV_JWT_SECRET;
  if (production && usingDevSecret) {
    throw new ConfigError("JWT_SECRET must be set to a real secret when NODE_ENV=production (the dev default is refused)");
  }
  if (production && secret.length < 32) {
    throw new ConfigError("JWT_SECRET must be at least 32 characters when NODE_ENV=production");
  }
  return { algorithm: "HS256", verificationKey: secret, signingSecret: secret, usingDevSecret };
}

function resolveGateway(env: z.infer<typeof envSchema>): GatewayConfig {
  const transports = [...new Set(env.GATEWAY_TRANSPORTS.split(",").map((t) => t.trim()).filter(Boolean))];
  const unknown = transports.filter((t) => !(GATEWAY_TRANSPORTS as readonly string[]).includes(t));
  if (transports.length === 0 || unknown.length > 0) {
    throw new ConfigError(`GATEWAY_TRANSPORTS: expected a comma-separated subset of ${GATEWAY_TRANSPORTS.join(", ")}, got ${env.GATEWAY_TRANSPORTS}`);
  }
  const fallback = env.TOAST_EXPIRE_MS;
  return {
    maxConnectionsPerUser: env.GATEWAY_MAX_CONNECTIONS_PER_USER,
    inboundRatePerSecond: env.GATEWAY_INBOUND_RATE_PER_SECOND,
    inboundBurst: env.GATEWAY_INBOUND_BURST,
    maxMessageBytes: env.GATEWAY_MAX_MESSAGE_BYTES,
    catchUpLimit: env.GATEWAY_CATCH_UP_LIMIT,
    transports: transports as GatewayTransport[],
    toast: {
      defaultAutoExpireMs: fallback,
      categories: {
        job: env.TOAST_EXPIRE_MS_JOB ?? fallback,
        review: env.TOAST_EXPIRE_MS_REVIEW ?? fallback,
        system: env.TOAST_EXPIRE_MS_SYSTEM ?? fallback,
        collaboration: env.TOAST_EXPIRE_MS_COLLABORATION ?? fallback,
        digest: env.TOAST_EXPIRE_MS_DIGEST ?? fallback,
      },
    },
  };
}

function resolveHardwareMonitor(env: z.infer<typeof envSchema>): HardwareMonitorConfig {
  if (env.GPU_TEMP_CRITICAL_C <= env.GPU_TEMP_WARNING_C) {
    throw new ConfigError("GPU_TEMP_CRITICAL_C must be above GPU_TEMP_WARNING_C");
  }
  if (env.DISK_FREE_CRITICAL_PERCENT > env.DISK_FREE_WARNING_PERCENT) {
    throw new ConfigError("DISK_FREE_CRITICAL_PERCENT must not be above DISK_FREE_WARNING_PERCENT");
  }
  let diskMounts: readonly string[] | "auto" = "auto";
  if (env.DISK_MOUNTS.trim() !== "auto") {
    diskMounts = [...new Set(env.DISK_MOUNTS.split(",").map((m) => m.trim()).filter(Boolean))];
    const relative = diskMounts.filter((m) => !m.startsWith("/"));
    if (relative.length > 0) throw new ConfigError(`DISK_MOUNTS: mount points must be absolute paths or "auto", got ${relative.join(", ")}`);
  }
  return {
    ingestUrl: env.INGEST_URL,
    token: env.HERALD_TOKEN,
    hostname: env.MONITOR_HOSTNAME ?? os.hostname(),
    nvidiaSmiPath: env.NVIDIA_SMI_PATH,
    nvidiaSmiTimeoutMs: env.NVIDIA_SMI_TIMEOUT_MS,
    intervalMs: env.MONITOR_INTERVAL_MS,
    forMs: env.MONITOR_FOR_MS,
    clearPolls: env.MONITOR_CLEAR_POLLS,
    repeatMs: env.MONITOR_REPEAT_MS,
    diskMounts,
    hostRoot: env.MONITOR_HOST_ROOT,
    gpuTemperature: { warning: env.GPU_TEMP_WARNING_C, critical: env.GPU_TEMP_CRITICAL_C, hysteresis: env.GPU_TEMP_HYSTERESIS_C },
    diskFreePercent: {
      warning: env.DISK_FREE_WARNING_PERCENT,
      critical: env.DISK_FREE_CRITICAL_PERCENT,
      hysteresis: env.DISK_FREE_HYSTERESIS_PERCENT,
    },
    // The OS temp dir suits a laptop; hosts and pods set a directory that outlives reboots.
    bufferDir: env.MONITOR_BUFFER_DIR ?? path.join(os.tmpdir(), "herald-hardware-monitor"),
    bufferMaxEvents: env.MONITOR_BUFFER_MAX_EVENTS,
    retryMaxMs: env.MONITOR_RETRY_MAX_MS,
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): HeraldConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  let auth: AuthConfig | undefined;
  return {
    // Resolved on first use: only services that verify or sign tokens need a
    // JWT secret, and those read it while starting, so a missing one still
    // stops them before they serve anything.
    get auth(): AuthConfig {
      auth ??= resolveAuth(env, production);
      return auth;
    },
    env: env.NODE_ENV,
    production,
    logLevel: env.LOG_LEVEL,
    namespace: env.HERALD_NAMESPACE,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    migrateOnStart: env.MIGRATE_ON_START,
    migrationsDir: env.MIGRATIONS_DIR,
    ports: {
      ingest: env.INGEST_PORT,
      gateway: env.GATEWAY_PORT,
      router: env.ROUTER_PORT,
      deliveryWorker: env.DELIVERY_WORKER_PORT,
      digestScheduler: env.DIGEST_SCHEDULER_PORT,
      hardwareMonitor: env.HARDWARE_MONITOR_PORT,
    },
    ingest: {
      maxBodyBytes: env.INGEST_MAX_BODY_BYTES,
      maxBacklog: env.INGEST_MAX_BACKLOG,
      idempotencyTtlSeconds: env.IDEMPOTENCY_TTL_SECONDS,
    },
    hardwareMonitor: resolveHardwareMonitor(env),
    router: {
      batchSize: env.ROUTER_BATCH_SIZE,
      claimIdleMs: env.ROUTER_CLAIM_IDLE_MS,
      blockMs: env.ROUTER_BLOCK_MS,
      consumerName: env.ROUTER_CONSUMER_NAME,
      maxDeliveries: env.ROUTER_MAX_DELIVERIES,
      preferenceCacheTtlMs: env.PREFERENCE_CACHE_TTL_MS,
    },
    delivery: {
      webhook: {
        maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
        backoffMs: env.WEBHOOK_BACKOFF_MS,
        timeoutMs: env.WEBHOOK_TIMEOUT_MS,
        concurrency: env.WEBHOOK_CONCURRENCY,
        perHostConcurrency: env.WEBHOOK_PER_HOST_CONCURRENCY,
        allowedHosts: env.WEBHOOK_ALLOWED_HOSTS?.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean) ?? [],
      },
      email: { maxAttempts: env.EMAIL_MAX_ATTEMPTS, backoffMs: env.EMAIL_BACKOFF_MS, concurrency: env.EMAIL_CONCURRENCY },
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
    },
    scheduler: {
      tickMs: env.SCHEDULER_TICK_MS,
      digestIntervalMs: { hourly: env.DIGEST_HOURLY_MS, daily: env.DIGEST_DAILY_MS },
    },
    corsOrigins: env.CORS_ORIGINS?.split(",").map((o) => o.trim()).filter(Boolean),
    gateway: resolveGateway(env),
  };
}
