import type { Redis } from "ioredis";
import { ROUTER_CONSUMER_GROUP, type RedisNames } from "@herald/runtime";

/** Entries of the event stream read by a router and not yet acknowledged, per consumer (router process). */
export async function pendingByConsumer(redis: Redis, names: RedisNames): Promise<Map<string, number>> {
  const [, , , consumers] = (await redis.xpending(names.eventStream, ROUTER_CONSUMER_GROUP)) as [
    number,
    string | null,
    string | null,
    [string, string][] | null,
  ];
  return new Map((consumers ?? []).map(([name, count]) => [name, Number(count)]));
}

export async function pendingTotal(redis: Redis, names: RedisNames): Promise<number> {
  return [...(await pendingByConsumer(redis, names)).values()].reduce((a, b) => a + b, 0);
}

/** Events the router gave up on. A good event must never end here. */
export async function deadLetters(redis: Redis, names: RedisNames): Promise<number> {
  return redis.xlen(names.deadLetterStream);
}

/** Entries in the stream that the router's group has not been handed yet. */
export async function undelivered(redis: Redis, names: RedisNames): Promise<number> {
  const groups = (await redis.xinfo("GROUPS", names.eventStream)) as unknown[][];
  const ours = groups.find((g) => g[g.indexOf("name") + 1] === ROUTER_CONSUMER_GROUP);
  // Redis 7's lag: entries not yet delivered to the group (null when it cannot tell; then count the stream).
  const lag = ours ? ours[ours.indexOf("lag") + 1] : null;
  return typeof lag === "number" ? lag : redis.xlen(names.eventStream);
}
