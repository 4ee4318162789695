import { Cluster, Redis } from "ioredis";
import { parseClusterNode, type RedisClient } from "@herald/runtime";
import { TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from "./env";

/** The seeds of the test cluster, or undefined on a single Redis. */
export function testClusterNodes(): { host: string; port: number }[] | undefined {
  return TEST_REDIS_CLUSTER_NODES?.split(",").map((item) => {
    const node = parseClusterNode(item.trim());
    if (!node) throw new Error(`REDIS_CLUSTER_NODES: "${item}" is not host:port`);
    return { ...node };
  });
}

/**
 * A test's own client of the installation's Redis: a cluster client under
 * `npm run test:cluster`, else one connection to `url`. `url` other than the
 * shared test Redis (a suite's own redis-server) always gets a plain client.
 */
export function testRedis(url: string = TEST_REDIS_URL, options: { maxRetriesPerRequest?: number | null } = {}): RedisClient {
  const nodes = url === TEST_REDIS_URL ? testClusterNodes() : undefined;
  if (nodes) return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: options.maxRetriesPerRequest } });
  return new Redis(url, { maxRetriesPerRequest: options.maxRetriesPerRequest });
}

/** Every key matching `pattern`, read from each master of a cluster (KEYS does not span one). */
export async function keysEverywhere(redis: RedisClient, pattern: string): Promise<string[]> {
  if (!(redis instanceof Cluster)) return redis.keys(pattern);
  const perMaster = await Promise.all(redis.nodes("master").map((node) => node.keys(pattern)));
  return perMaster.flat();
}

/** Deletes keys one command per key: on a cluster a DEL of many keys must stay in one slot. */
export async function deleteKeys(redis: RedisClient, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (!(redis instanceof Cluster)) {
    await redis.del(...keys);
    return;
  }
  await Promise.all(keys.map((key) => redis.del(key)));
}
