import { Redis, type RedisOptions } from "ioredis";
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
}

export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redisOptions: RedisOptions = {
    connectionName: options.name,
    // BullMQ and blocking stream reads need this to be null; fail-fast
    // clients bound it instead.
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    enableAutoPipelining: options.autoPipelining ?? false,
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

export async function pingRedis(client: Redis): Promise<boolean> {
  try {
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  }
}
