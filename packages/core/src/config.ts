import { z } from "zod";

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
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

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

  ROUTER_BATCH_SIZE: positiveInt(200),
  /** A pending entry idle this long belongs to a dead consumer and is reclaimed. */
  ROUTER_CLAIM_IDLE_MS: positiveInt(30_000),
  ROUTER_BLOCK_MS: positiveInt(2_000),
  ROUTER_CONSUMER_NAME: optionalString,
  /** Deliveries of one stream entry after which it is parked in the dead-letter stream. */
  ROUTER_MAX_DELIVERIES: positiveInt(10),

  CORS_ORIGINS: optionalString,
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
  readonly router: {
    readonly batchSize: number;
    readonly claimIdleMs: number;
    readonly blockMs: number;
    readonly consumerName?: string;
    readonly maxDeliveries: number;
  };
  /** Allowed browser origins for REST and Socket.IO; undefined means any. */
  readonly corsOrigins?: readonly string[];
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

export function loadConfig(source: Record<string, string | undefined> = process.env): HeraldConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === "production";
  return {
    env: env.NODE_ENV,
    production,
    logLevel: env.LOG_LEVEL,
    namespace: env.HERALD_NAMESPACE,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    migrateOnStart: env.MIGRATE_ON_START,
    migrationsDir: env.MIGRATIONS_DIR,
    auth: resolveAuth(env, production),
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
    router: {
      batchSize: env.ROUTER_BATCH_SIZE,
      claimIdleMs: env.ROUTER_CLAIM_IDLE_MS,
      blockMs: env.ROUTER_BLOCK_MS,
      consumerName: env.ROUTER_CONSUMER_NAME,
      maxDeliveries: env.ROUTER_MAX_DELIVERIES,
    },
    corsOrigins: env.CORS_ORIGINS?.split(",").map((o) => o.trim()).filter(Boolean),
  };
}
