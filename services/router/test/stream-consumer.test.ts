import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createLogger } from "@herald/runtime";
import { consumerGroupExists, StreamConsumer, type StreamEntry } from "../src/stream-consumer";
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

  function consumer(
    handle: (entries: readonly StreamEntry[]) => Promise<{ rejected: { id: string; reason: string }[] }>,
    on: { stream?: string; retentionMs?: number } = {},
  ) {
    const c = new StreamConsumer(
      reader,
      redis,
      {
        stream: on.stream ?? stream,
        retentionMs: on.retentionMs ?? 86_400_000,
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

  it("prepares the next batch while the current one is handled, and handles every batch once, in stream order", async () => {
    const own = `${prefix}:staged`;
    const ownReader = new Redis(TEST_REDIS_URL);
    await redis.xgroup("CREATE", own, "g", "0", "MKSTREAM");
    const pipeline = redis.pipeline();
    for (let n = 1; n <= 30; n++) pipeline.xadd(own, "*", "n", String(n));
    await pipeline.exec();
    const log: string[] = [];
    const handled: string[] = [];
    const first = (entries: readonly StreamEntry[]) => entries[0]!.fields.n!;
    const staged = new StreamConsumer(
      ownReader,
      redis,
      {
        stream: own,
        retentionMs: 86_400_000,
        group: "g",
        consumer: "staged",
        deadLetterStream: dead,
        batchSize: 10,
        blockMs: 100,
        claimIdleMs: 60_000,
        maxDeliveries: 3,
        dependenciesHealthy: async () => true,
        logger: createLogger("test", "silent"),
      },
      {
        prepare: async (entries: readonly StreamEntry[]) => {
          log.push(`prepare ${first(entries)}`);
          return entries;
        },
        handle: async (entries: readonly StreamEntry[]) => {
          // Held until the next batch is prepared (or, at the last, briefly): preparing must not wait for handling.
          const next = String(Number(first(entries)) + 10);
          await until(() => (log.includes(`prepare ${next}`) || Number(next) > 30 ? true : undefined), 2_000).catch(() => undefined);
          log.push(`handled ${first(entries)}`);
          handled.push(...entries.map((e) => e.fields.n!));
          return { rejected: [] };
        },
      },
    );
    await staged.start();
    await until(() => (handled.length >= 30 ? true : undefined));
    await staged.stop();
    ownReader.disconnect();
    expect(handled).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    // Batch 11–20 was prepared before 1–10 was done, and 21–30 before 11–20.
    expect(log.indexOf("prepare 11")).toBeLessThan(log.indexOf("handled 1"));
    expect(log.indexOf("prepare 21")).toBeLessThan(log.indexOf("handled 11"));
    expect(((await redis.xpending(own, "g")) as [number])[0]).toBe(0);
  });

  it("trims only below what every group has acknowledged, and past retention whatever a group still needs", async () => {
    const shared = `${prefix}:shared:stream`;
    await redis.xgroup("CREATE", shared, "g", "0", "MKSTREAM");
    await redis.xgroup("CREATE", shared, "billing", "0");
    for (const n of ["a", "b", "c"]) await redis.xadd(shared, "*", "n", n);
    const handled: string[] = [];
    const router = consumer(
      async (entries) => {
        handled.push(...entries.map((e) => e.fields.n!));
        return { rejected: [] };
      },
      { stream: shared },
    );
    await router.start();
    await until(() => (handled.length === 3 ? true : undefined));
    // Several trim rounds (every 100 ms): the subscriber group has read nothing, so everything stays.
    await sleep(500);
    expect(await redis.xlen(shared)).toBe(3);
    // It reads two and acknowledges one: what lies below its oldest pending entry goes.
    const reply = (await redis.xreadgroup("GROUP", "billing", "b1", "COUNT", 2, "STREAMS", shared, ">")) as [string, [string][]][];
    const read = reply[0]![1];
    await redis.xack(shared, "billing", read[0]![0]);
    await until(async () => ((await redis.xlen(shared)) === 2 ? true : undefined));
    await redis.xack(shared, "billing", read[1]![0]);
    await until(async () => ((await redis.xlen(shared)) === 1 ? true : undefined));
    expect((await redis.xrange(shared, "-", "+")).map(([, f]) => f[1])).toEqual(["c"]);
    await router.stop();

    // Past retention, entries go even though the subscriber never read them.
    const old = `${prefix}:old:stream`;
    await redis.xgroup("CREATE", old, "g", "0", "MKSTREAM");
    await redis.xgroup("CREATE", old, "billing", "0");
    await redis.xadd(old, "*", "n", "old");
    await sleep(300);
    await consumer(async () => ({ rejected: [] }), { stream: old, retentionMs: 200 }).start();
    await until(async () => ((await redis.xlen(old)) === 0 ? true : undefined));
  });

  it("keeps entries pending, and never dead-letters them, while its dependencies are down", async () => {
    healthy = false;
    let attempts = 0;
    let failing = true;
    const seen: string[] = [];
    // The first tests' consumers are still running; stop them so this one reads the entry.
    await Promise.all(consumers.map((c) => c.stop()));
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

/** How the consumer isolates failing entries, by the kind of error, and survives losing its group. */
describe("StreamConsumer isolating failures", () => {
  const redis = new Redis(TEST_REDIS_URL);
  const reader = new Redis(TEST_REDIS_URL);
  const prefix = `sci${randomBytes(4).toString("hex")}`;
  const consumers: StreamConsumer[] = [];
  let streams = 0;

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    reader.disconnect();
  });

  /**
   * A consumer on a stream of its own; `calls` records every batch handed to
   * the handler, `finished` every batch whose `finish` (when given) resolved.
   */
  async function start(handle: (entries: readonly StreamEntry[]) => void, finish?: (entries: readonly StreamEntry[]) => Promise<void>) {
    const stream = `${prefix}:${++streams}:stream`;
    const dead = `${prefix}:${streams}:dead`;
    const calls: string[][] = [];
    const handled: string[] = [];
    const finished: string[][] = [];
    const causes: string[] = [];
    const c = new StreamConsumer(
      reader.duplicate(),
      redis,
      {
        stream,
        retentionMs: 86_400_000,
        group: "g",
        consumer: "me",
        deadLetterStream: dead,
        batchSize: 50,
        blockMs: 100,
        claimIdleMs: 60_000,
        maxDeliveries: 3,
        dependenciesHealthy: async () => true,
        logger: createLogger("test", "silent"),
        onDeadLetter: (cause) => causes.push(cause),
      },
      async (entries) => {
        calls.push(entries.map((e) => e.fields.n!));
        handle(entries);
        handled.push(...entries.map((e) => e.fields.n!));
        if (!finish) return { rejected: [] };
        return {
          rejected: [],
          finish: async () => {
            await finish(entries);
            finished.push(entries.map((e) => e.fields.n!));
          },
        };
      },
    );
    consumers.push(c);
    await c.start();
    const add = async (...names: string[]) => {
      const transaction = redis.multi();
      for (const n of names) transaction.xadd(stream, "*", "n", n);
      await transaction.exec();
    };
    const letters = async () =>
      (await redis.xrange(dead, "-", "+")).map(([, f]) => ({ n: f[f.indexOf("n") + 1], reason: f[f.indexOf("reason") + 1] }));
    const pending = async () => ((await redis.xpending(stream, "g")) as [number])[0];
    return { stream, calls, handled, finished, causes, add, letters, pending, consumer: c };
  }

  it("halves a batch that fails with a data error until the bad entry is alone, dead-letters it at once, and handles the rest once, in order", async () => {
    const { calls, handled, causes, add, letters } = await start((entries) => {
      if (entries.some((e) => e.fields.n === "bad")) throw new RangeError("Maximum call stack size exceeded");
    });
    const names = Array.from({ length: 20 }, (_, i) => (i === 13 ? "bad" : `ok${i}`));
    await add(...names);
    await until(async () => ((await letters()).length === 1 && handled.length === 19 ? true : undefined));
    expect(handled).toEqual(names.filter((n) => n !== "bad"));
    expect(await letters()).toEqual([{ n: "bad", reason: "RangeError: Maximum call stack size exceeded" }]);
    expect(causes).toEqual(["data_error"]);
    // Tried alone exactly once: a data error is not retried.
    expect(calls.filter((c) => c.length === 1 && c[0] === "bad")).toHaveLength(1);
    // Bisection: a handful of calls, not one per entry.
    expect(calls.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(names.length)) + 1);
  });

  it("retries an entry failing with an unknown error in the background, without holding entries that come after it", async () => {
    const { calls, handled, causes, add, letters } = await start((entries) => {
      if (entries.some((e) => e.fields.n === "odd")) throw new Error("something odd");
    });
    await add("odd");
    await until(() => (calls.length >= 1 ? true : undefined));
    await add("after-1");
    await add("after-2");
    await until(async () => ((await letters()).length === 1 ? true : undefined));
    expect(await letters()).toEqual([{ n: "odd", reason: "something odd" }]);
    expect(causes).toEqual(["retries_exhausted"]);
    expect(calls.filter((c) => c.includes("odd"))).toHaveLength(3);
    expect(handled).toEqual(["after-1", "after-2"]);
    // The entries behind it were handled before its last attempt, not after.
    const lastOdd = calls.map((c) => c.includes("odd")).lastIndexOf(true);
    expect(calls.findIndex((c) => c.includes("after-2"))).toBeLessThan(lastOdd);
  });

  it("never dead-letters for an infrastructure error, however many times it fails, and handles the entry once it passes", async () => {
    // More failures than maxDeliveries (3), with the dependencies reported healthy.
    let failing = 4;
    const { calls, handled, add, letters } = await start(() => {
      if (failing-- > 0) throw new Error("Connection is closed.");
    });
    await add("a");
    await until(() => (handled.length === 1 ? true : undefined), 10_000);
    expect(calls).toHaveLength(5);
    expect(await letters()).toEqual([]);
    expect(handled).toEqual(["a"]);
  });

  it("re-creates its group when Redis lost it, and reads the stream from its start", async () => {
    const { stream, handled, add } = await start(() => undefined);
    await add("before");
    await until(() => (handled.includes("before") ? true : undefined));
    // What a Redis restarted without its data looks like: no stream, no group.
    await redis.del(stream);
    await redis.xadd(stream, "*", "n", "after-flush-1");
    await redis.xadd(stream, "*", "n", "after-flush-2");
    await until(() => (handled.includes("after-flush-2") ? true : undefined));
    expect(handled).toEqual(["before", "after-flush-1", "after-flush-2"]);
    expect(await consumerGroupExists(redis, stream, "g")).toBe(true);
  });

  it("finishes a batch while the next one is handled, acknowledges it only once finished, in stream order, and finishes the last when stopped", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { calls, finished, add, pending, consumer } = await start(
      () => undefined,
      async (entries) => {
        if (entries[0]!.fields.n === "a0") await held;
        if (entries[0]!.fields.n === "c0") await sleep(300);
      },
    );
    // Two batches (50 a batch) in the stream at once: the second is read ahead while the first is handled.
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 10 }, (_, i) => `b${i}`);
    await add(...a, ...b);
    // The second batch is handled while the first is still finishing; neither is acknowledged yet.
    await until(() => (calls.length === 2 ? true : undefined));
    expect(calls).toEqual([a, b]);
    await sleep(300);
    expect(finished).toEqual([]);
    expect(await pending()).toBe(60);
    release();
    await until(() => (finished.length === 2 ? true : undefined));
    expect(finished).toEqual([a, b]);
    await until(async () => ((await pending()) === 0 ? true : undefined));

    await add("c0");
    await until(() => (calls.length === 3 ? true : undefined));
    await consumer.stop();
    // stop() returned once the batch in hand was finished and acknowledged.
    expect(finished.at(-1)).toEqual(["c0"]);
    expect(await pending()).toBe(0);
  });

  /** Entries "a" then "b", the finish of the batch holding "a" failing `times` times with `error`; once both are acknowledged. */
  async function finishOfAFailing(error: Error, times: number) {
    let left = times;
    const run = await start(
      () => undefined,
      async (entries) => {
        if (entries[0]!.fields.n === "a" && left-- > 0) throw error;
      },
    );
    await run.add("a");
    await until(() => (run.calls.length >= 1 ? true : undefined));
    await run.add("b");
    await until(() => (run.finished.length === 2 ? true : undefined));
    await until(async () => ((await run.pending()) === 0 ? true : undefined));
    return { ...run, triesLeft: left };
  }

  it("retries a finish that failed on an outage, not the batch: its notifications are not pushed twice", async () => {
    const { calls, finished, letters, triesLeft } = await finishOfAFailing(new Error("Connection terminated unexpectedly"), 2);
    expect(calls).toEqual([["a"], ["b"]]);
    expect(finished).toEqual([["a"], ["b"]]);
    expect(triesLeft).toBe(-1);
    expect(await letters()).toEqual([]);
  });

  it("retries a finish that failed on an outage also for a batch read again from its history", async () => {
    // The first attempt fails (an outage: read again from history, handled one step at a time); there its finish fails twice.
    let handleFailures = 1;
    let finishFailures = 2;
    const { calls, finished, add, pending } = await start(
      () => {
        if (handleFailures-- > 0) throw new Error("Connection is closed.");
      },
      async () => {
        if (finishFailures-- > 0) throw new Error("Connection terminated unexpectedly");
      },
    );
    await add("a");
    await until(() => (finished.length === 1 ? true : undefined));
    await until(async () => ((await pending()) === 0 ? true : undefined));
    expect(calls).toEqual([["a"], ["a"]]);
    expect(finished).toEqual([["a"]]);
  });

  it("handles a batch again when its finish failed otherwise, and acknowledges nothing of it before it is finished", async () => {
    const { calls, finished, letters } = await finishOfAFailing(new Error("something odd"), 1);
    // "a" handled twice (its finish failed once), "b" once; both finished once; nothing dead-lettered.
    expect(calls.flat().filter((n) => n === "a")).toHaveLength(2);
    expect(calls.flat().filter((n) => n === "b")).toHaveLength(1);
    expect(finished.flat().sort()).toEqual(["a", "b"]);
    expect(await letters()).toEqual([]);
  });

  /**
   * Batches "a" (a0…a49) and "b" (b0…b9) in the stream at once, so that "b" is read ahead and handled while "a"
   * finishes; the first finish of "a" fails (not an outage) once "b" was handled, whose handling throws the first
   * time when `bHandlingFails`. Once both are finished and acknowledged: `started`, the first entry of every finish
   * begun, in order.
   */
  async function aFinishFailingBesideB(bHandlingFails: boolean) {
    let release!: () => void;
    const bHandled = new Promise<void>((resolve) => (release = resolve));
    let aFailures = 1;
    let bFailures = bHandlingFails ? 1 : 0;
    const started: string[] = [];
    const run = await start(
      (entries) => {
        if (entries[0]!.fields.n !== "b0") return;
        release();
        if (bFailures-- > 0) throw new Error("something odd");
      },
      async (entries) => {
        started.push(entries[0]!.fields.n!);
        if (entries[0]!.fields.n === "a0" && aFailures-- > 0) {
          await bHandled;
          throw new Error("something odd");
        }
      },
    );
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 10 }, (_, i) => `b${i}`);
    await run.add(...a, ...b);
    await until(() => (run.finished.flat().length === 60 ? true : undefined));
    await until(async () => ((await run.pending()) === 0 ? true : undefined));
    return { ...run, started, a, b };
  }

  it("leaves the next batch unfinished when the finish before it fails otherwise: finishes (the pushes) never overtake one to be redone", async () => {
    const { calls, finished, started, letters } = await aFinishFailingBesideB(false);
    // "b" was handled beside the failing finish of "a", then again after it: its finish ran once, after the one of "a" that held.
    expect(calls.filter((c) => c[0] === "b0")).toHaveLength(2);
    expect(started).toEqual(["a0", "a0", "b0"]);
    expect(finished.map((f) => f[0])).toEqual(["a0", "b0"]);
    expect(await letters()).toEqual([]);
  });

  it("isolates a batch whose handling failed only once the finish before it held: the parts it finishes never overtake a redo", async () => {
    const { finished, started, letters, a, b } = await aFinishFailingBesideB(true);
    // "a" finished (its second time) before any part of "b" was.
    expect(started.slice(0, 2)).toEqual(["a0", "a0"]);
    expect(finished.flat().sort()).toEqual([...a, ...b].sort());
    expect(await letters()).toEqual([]);
  });

  it("isolates an entry whose finish fails with a data error, dead-letters it alone, and finishes the rest", async () => {
    const { finished, add, pending, letters, causes } = await start(
      () => undefined,
      async (entries) => {
        if (entries.some((e) => e.fields.n === "bad")) throw new RangeError("Invalid time value");
      },
    );
    await add("ok1", "bad", "ok2");
    await until(async () => ((await letters()).length === 1 && (await pending()) === 0 ? true : undefined));
    expect(await letters()).toEqual([{ n: "bad", reason: "RangeError: Invalid time value" }]);
    expect(causes).toEqual(["data_error"]);
    expect(finished.flat().sort()).toEqual(["ok1", "ok2"]);
    await add("after");
    await until(() => (finished.flat().includes("after") ? true : undefined));
  });
});
