import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createLogger } from "@herald/runtime";
import { StreamConsumer, type StreamEntry } from "../src/stream-consumer";
import { TEST_REDIS_URL } from "../../../test/support/env";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(25);
  }
}

/** StreamConsumer against a real Redis: reclaiming, dead letters, trimming, forgetting dead consumers. */
describe("StreamConsumer", () => {
  const redis = new Redis(TEST_REDIS_URL);
  const reader = new Redis(TEST_REDIS_URL);
  const prefix = `sc${randomBytes(4).toString("hex")}`;
  const stream = `${prefix}:stream`;
  const dead = `${prefix}:dead`;
  const consumers: StreamConsumer[] = [];
  let healthy = true;

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    reader.disconnect();
  });

  function consumer(handle: (entries: readonly StreamEntry[]) => Promise<{ rejected: { id: string; reason: string }[] }>) {
    const c = new StreamConsumer(
      reader,
      redis,
      {
        stream,
        group: "g",
        consumer: "me",
        deadLetterStream: dead,
        batchSize: 10,
        blockMs: 100,
        claimIdleMs: 200,
        maxDeliveries: 3,
        dependenciesHealthy: async () => healthy,
        logger: createLogger("test", "silent"),
        trimIntervalMs: 100,
        forgetIdleConsumersAfterMs: 300,
      },
      handle,
    );
    consumers.push(c);
    return c;
  }

  it("takes over what a dead consumer left pending, dead-letters a poison entry, trims acked entries and forgets the dead consumer", async () => {
    await redis.xgroup("CREATE", stream, "g", "0", "MKSTREAM");
    await redis.xadd(stream, "*", "n", "1");
    await redis.xadd(stream, "*", "n", "poison");
    // A consumer that read both and died.
    await redis.xreadgroup("GROUP", "g", "ghost", "COUNT", 10, "STREAMS", stream, ">");
    await redis.xadd(stream, "*", "n", "2");

    const handled: string[] = [];
    await consumer(async (entries) => {
      if (entries.some((e) => e.fields.n === "poison")) throw new Error("cannot handle poison");
      handled.push(...entries.map((e) => e.fields.n!));
      return { rejected: [] };
    }).start();

    await until(() => (handled.includes("1") && handled.includes("2") ? true : undefined));
    const [letter] = await until(async () => {
      const entries = await redis.xrange(dead, "-", "+");
      return entries.length > 0 ? entries : undefined;
    });
    expect(letter![1]).toEqual(expect.arrayContaining(["reason", "cannot handle poison", "n", "poison"]));
    expect(handled.filter((n) => n === "1")).toHaveLength(1);
    await until(async () => ((await redis.xlen(stream)) === 0 ? true : undefined));
    await until(async () => {
      const names = ((await redis.xinfo("CONSUMERS", stream, "g")) as unknown[][]).map((c) => c[c.indexOf("name") + 1]);
      return names.includes("ghost") ? undefined : names;
    });
    expect(((await redis.xpending(stream, "g")) as [number])[0]).toBe(0);
  });

  it("keeps entries pending, and never dead-letters them, while its dependencies are down", async () => {
    healthy = false;
    let attempts = 0;
    let failing = true;
    const seen: string[] = [];
    // The first test's consumer is still running; stop it so this one reads the entry.
    await consumers[0]!.stop();
    const id = await redis.xadd(stream, "*", "n", "during-outage");
    await consumer(async (entries) => {
      attempts += 1;
      if (failing) throw new Error("database down");
      seen.push(...entries.map((e) => e.fields.n!));
      return { rejected: [] };
    }).start();
    await until(() => (attempts >= 5 ? true : undefined), 10_000);
    expect(await redis.xrange(dead, id!, id!)).toEqual([]);
    healthy = true;
    failing = false;
    await until(() => (seen.includes("during-outage") ? true : undefined), 10_000);
  });
});
