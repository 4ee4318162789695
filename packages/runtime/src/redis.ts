import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { READINESS_CHECK_TIMEOUT_MS } from "./http-service";
import type { Logger } from "./logger";
import type { RedisConfig } from "./service-config";

/** A connection to the installation's Redis: one node, or a Redis Cluster (same commands). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: the part of a service's RedisConfig a connection needs. */
export type RedisTarget = Pick<RedisConfig, "redisUrl" | "redisClusterNodes">;

const RETRY_DELAY = (attempt: number) => Math.min(attempt * 200, 2_000);

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

export function createRedis(target: RedisTarget, options: RedisConnectionOptions = {}): RedisClient {
  const perConnection: RedisOptions = {
    connectionName: options.name,
    // BullMQ and blocking stream reads need this to be null; fail-fast
    // clients bound it instead.
    maxRetriesPerRequest: options.failFast ? 1 : null,
    commandTimeout: options.commandTimeoutMs,
  };
  const client = target.redisClusterNodes
    ? createCluster(target, perConnection, options)
    : createNode(target.redisUrl, perConnection, options);
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
export function createReadinessRedis(target: RedisTarget, options: { readonly name: string; readonly logger?: Logger }): RedisClient {
  return createRedis(target, { ...options, failFast: true, commandTimeoutMs: READINESS_CHECK_TIMEOUT_MS });
}

function createNode(url: string, perConnection: RedisOptions, options: RedisConnectionOptions): Redis {
  return new Redis(url, {
    ...perConnection,
    enableOfflineQueue: !options.failFast,
    enableAutoPipelining: options.autoPipelining ?? false,
    retryStrategy: RETRY_DELAY,
  });
}

/**
 * A cluster client: REDIS_URL still gives the credentials, database-less
 * (a cluster has only database 0) and TLS (`rediss:`) of every node.
 */
function createCluster(target: RedisTarget, perConnection: RedisOptions, options: RedisConnectionOptions): Cluster {
  const url = new URL(target.redisUrl);
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...perConnection,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === "rediss:" ? {} : undefined,
      // For commands sent to one node directly (orderedConnection's PUBLISHes).
      enableAutoPipelining: options.autoPipelining ?? false,
    },
    enableOfflineQueue: !options.failFast,
    enableAutoPipelining: options.autoPipelining ?? false,
    // The cluster client reconnects its nodes itself: this paces its retries while none answers.
    clusterRetryStrategy: RETRY_DELAY,
    // A failover moves slots: retry a command that met CLUSTERDOWN or a moved slot shortly after.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
  };
  return new Cluster(
    (target.redisClusterNodes ?? []).map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/**
 * A connection on which keyless commands (PUBLISH, PING) keep their order: the
 * client itself, or one master of a cluster. A cluster client sends each
 * keyless command to a random node, so two PUBLISHes could reach subscribers
 * out of order and a PING would confirm nothing about the PUBLISHes before it.
 * Every node relays a PUBLISH to the whole cluster, so any master will do; ask
 * again for each batch, as a failover replaces the node.
 */
export function orderedConnection(client: RedisClient): RedisClient {
  if (!(client instanceof Cluster)) return client;
  const masters = client.nodes("master");
  if (masters.length === 0) return client; // not connected yet: the cluster client queues or fails the command itself
  return masters.reduce((a, b) => (nodeName(a) <= nodeName(b) ? a : b));
}

const nodeName = (node: Redis) => `${node.options.host}:${node.options.port}`;

export async function pingRedis(client: RedisClient): Promise<boolean> {
  try {
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  }
}
