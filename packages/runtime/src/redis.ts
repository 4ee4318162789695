import { Redis, type RedisOptions } from "ioredis";
import { READINESS_CHECK_TIMEOUT_MS } from "./http-service";
import type { Logger } from "./logger";

export interface RedisConnectionOptions {
  /**
   * Fail commands at once while disconnected instead of queueing them, so an
   * HTTP request can answer 503 rather than hang. Workers that block on
   * streams keep the default (queue and retry).
   */
  readonly failFast?: boolean;
  readonly name?: string;
  readonly logger?: Logger;
  /**
   * Send commands issued in the same tick as one write. For connections that
   * fire many independent commands at once (the emitter's PUBLISHes).
   */
  readonly autoPipelining?: boolean;
  /** Fail a command that has had no reply this long (a Redis that accepts connections but hangs). */
  readonly commandTimeoutMs?: number;
}

export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    // BullMQ and blocking stream reads need this to be null; fail-fast
    // clients bound it instead.
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    enableAutoPipelining: options.autoPipelining ?? false,
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  };
  const client = new Redis(url, redisOptions);
  let lastError = "";
  client.on("error", (error: Error) => {
    // ioredis reports every failed reconnect; log each distinct failure once.
    if (error.message !== lastError) options.logger?.warn({ err: error.message, redis: options.name }, "redis connection error");
    lastError = error.message;
  });
  client.on("ready", () => {
    if (lastError) options.logger?.info({ redis: options.name }, "redis connection restored");
    lastError = "";
  });
  return client;
}

/**
 * A connection for GET /ready alone: it fails at once while Redis is down
 * and gives up on a Redis that does not answer, where the service's working
 * connections queue and retry (a PING there would wait for Redis to return).
 */
export function createReadinessRedis(url: string, options: { readonly name: string; readonly logger?: Logger }): Redis {
  return createRedis(url, { ...options, failFast: true, commandTimeoutMs: READINESS_CHECK_TIMEOUT_MS });
}

export async function pingRedis(client: Redis): Promise<boolean> {
  try {
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  }
}
