import { z } from "zod";
import { DEFAULT_NAMESPACE } from "@herald/contract";
import { ConfigError } from "./config-error";
import { flag, optionalString, positiveInt } from "./config-fields";
import { clusterNodes, type RedisClusterNode } from "./redis-cluster-nodes";

/**
 * Configuration comes from the environment. Each service has its own
 * `src/config.ts` that spreads the shapes it needs (these, auth's, dispatch's)
 * next to its own variables and parses them once at start, so a service
 * validates only what it uses: a bad GPU threshold stops the hardware
 * monitor, not the router.
 */

/** The contract's default ports, one per service. */
export const SERVICE_PORTS = {
  ingest: 3000,
  gateway: 3001,
  router: 3002,
  deliveryWorker: 3003,
  digestScheduler: 3004,
  hardwareMonitor: 3005,
} as const;

/** Every service: how it runs and logs, and how long its HTTP server waits for a request. */
export const BASE_ENV = {
  NODE_ENV: z.string().default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Longest wait for a request's headers (Node's default, 60 s, lets slow clients hold connections). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
  /** Longest wait for a whole request, body included (Node's default is 300 s); answered 408 past it. */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Bearer token GET /metrics requires; unset, no service serves /metrics (some ports face users). */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, "at least 16 characters").optional()),
};

/** Services that use Redis: where it is, and the namespace every key of this installation lives under. */
export const REDIS_ENV = {
  HERALD_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, _ . - only")
    .default(DEFAULT_NAMESPACE),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  /**
   * Comma-separated host:port seeds of a Redis Cluster. Set, every connection
   * is a cluster client (REDIS_URL then gives only the credentials and TLS).
   */
  REDIS_CLUSTER_NODES: clusterNodes,
};

/** Services that use PostgreSQL. */
export const DATABASE_ENV = {
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/notifications"),
  MIGRATE_ON_START: flag(true),
  MIGRATIONS_DIR: optionalString,
};

export type LogLevel = z.infer<typeof BASE_ENV.LOG_LEVEL>;

/** How long a service's HTTP server waits for a client to send its request. */
export interface HttpTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface BaseConfig {
  readonly env: string;
  readonly production: boolean;
  readonly logLevel: LogLevel;
  readonly http: HttpTimeouts;
  /** What GET /metrics requires as a bearer token; undefined: /metrics is not served. */
  readonly metricsToken?: string;
}

export interface RedisConfig {
  readonly namespace: string;
  readonly redisUrl: string;
  /** Seeds of a Redis Cluster; undefined: a single Redis at redisUrl. */
  readonly redisClusterNodes?: readonly RedisClusterNode[];
}

export interface DatabaseConfig {
  readonly databaseUrl: string;
  readonly migrateOnStart: boolean;
  readonly migrationsDir?: string;
}

/** Parses `source` against a service's schema; every problem is named in one ConfigError. */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  source: Record<string, string | undefined>,
): z.infer<z.ZodObject<Shape>> {
  const parsed = z.object(shape).safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export function baseConfig(env: z.infer<z.ZodObject<typeof BASE_ENV>>): BaseConfig {
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError("HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)");
  }
  return {
    env: env.NODE_ENV,
    production: env.NODE_ENV === "production",
    logLevel: env.LOG_LEVEL,
    http: { headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS },
    metricsToken: env.METRICS_TOKEN,
  };
}

export function redisConfig(env: z.infer<z.ZodObject<typeof REDIS_ENV>>): RedisConfig {
  return { namespace: env.HERALD_NAMESPACE, redisUrl: env.REDIS_URL, redisClusterNodes: env.REDIS_CLUSTER_NODES };
}

export function databaseConfig(env: z.infer<z.ZodObject<typeof DATABASE_ENV>>): DatabaseConfig {
  return { databaseUrl: env.DATABASE_URL, migrateOnStart: env.MIGRATE_ON_START, migrationsDir: env.MIGRATIONS_DIR };
}

/** Base, Redis and Postgres: what every service but the hardware monitor, and the scripts, need of an installation. */
export const INSTALLATION_ENV = { ...BASE_ENV, ...REDIS_ENV, ...DATABASE_ENV };

export interface InstallationConfig extends BaseConfig, RedisConfig, DatabaseConfig {}

export function installationConfig(env: z.infer<z.ZodObject<typeof INSTALLATION_ENV>>): InstallationConfig {
  return { ...baseConfig(env), ...redisConfig(env), ...databaseConfig(env) };
}

/** The installation's settings alone, for the scripts (migrate, start). */
export function loadInstallationConfig(source: Record<string, string | undefined> = process.env): InstallationConfig {
  return installationConfig(parseEnv(INSTALLATION_ENV, source));
}
