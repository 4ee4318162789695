import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { subscribe, type DeliveryInfo, type Subscription } from "@herald/sdk";
import type { HeraldEvent } from "@herald/contract";
import { eventually, publish, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { testClusterNodes } from "../support/test-redis";
import { producerToken } from "../support/tokens";

const MAX_BACKLOG = 60;

/**
 * `@herald/sdk` subscribe(): services reading the bus as consumer groups of
 * their own, beside the router. Real ingest and router processes, real Redis;
 * the subscriber that is killed runs in a process of its own.
 */
describe("@herald/sdk subscribe()", () => {
  let stack: TestStack;
  let ingest: string;
  const token = producerToken("ci");
  const subscriptions: Subscription[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }] = await Promise.all([
      stack.start("ingest", { env: { INGEST_MAX_BACKLOG: String(MAX_BACKLOG) } }),
      stack.start("router"),
    ]);
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(subscriptions.map((s) => s.close()));
    await stack.stop();
  });

  /** A subscriber in this process that records what it handled. */
  async function subscriber(
    name: string,
    eventTypes: string[],
    options: { claimIdleMs?: number; fail?: (e: HeraldEvent, i: DeliveryInfo) => boolean } = {},
  ) {
    const handled: { id: string; type: string; attempt: number }[] = [];
    const subscription = await subscribe({
      name,
      eventTypes,
      redisUrl: stack.redisUrl,
      redisClusterNodes: stack.redisClusterNodes ? testClusterNodes() : undefined,
      namespace: stack.namespace,
      batchSize: 2,
      blockMs: 200,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      handler: async (event, info) => {
        if (options.fail?.(event, info)) throw new Error(`refusing ${event.id} on attempt ${info.attempt}`);
        await sleep(5);
        handled.push({ id: event.id, type: event.type, attempt: info.attempt });
      },
    });
    subscriptions.push(subscription);
    return { handled, subscription };
  }

  let published = 0;
  /** Publishes one by one; a 429 (the router a moment behind) is retried after its Retry-After, as the SDK does, a few times. */
  async function publishEvents(n: number, type = "job.completed"): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `sub-${++published}`;
      const body = { id, type, payload: { ownerUserId: "owner", jobName: id, contentOwnerUserId: "owner" } };
      let res = await publish(ingest, token, body);
      for (let retry = 0; res.status === 429 && retry < 5; retry++) {
        await sleep(1000);
        res = await publish(ingest, token, body);
      }
      expect({ id, status: res.status }).toEqual({ id, status: 202 });
      ids.push(id);
    }
    return ids;
  }

  it("two processes of one name share its events (each once); another name gets every event; patterns choose the types", async () => {
    const a = await subscriber("billing", ["job.*"]);
    const b = await subscriber("billing", ["job.*"]);
    const audit = await subscriber("audit", ["*"]);
    const reviews = await subscriber("reviews", ["review.submitted"]);
    const jobs = await publishEvents(30);
    const review = await publishEvents(3, "review.submitted");
    await eventually(() => (a.handled.length + b.handled.length === 30 ? true : undefined), 15_000, "billing got the jobs");
    await eventually(() => (audit.handled.length === 33 ? true : undefined), 15_000, "audit got everything");
    await eventually(() => (reviews.handled.length === 3 ? true : undefined), 15_000, "reviews got the reviews");
    await sleep(500);
    const billing = [...a.handled, ...b.handled].map((h) => h.id);
    expect(billing.sort()).toEqual([...jobs].sort());
    expect(a.handled.length).toBeGreaterThan(0);
    expect(b.handled.length).toBeGreaterThan(0);
    expect(audit.handled.map((h) => h.id).sort()).toEqual([...jobs, ...review].sort());
    expect(reviews.handled.map((h) => h.id)).toEqual(review);
    // Gone for good: their groups go too (a kept group holds the stream for its subscriber's return).
    await a.subscription.close();
    for (const s of [b, audit, reviews]) await s.subscription.close({ deleteGroup: true });
  });

  it("an event whose handler throws is handed over again, then acknowledged once handled", async () => {
    const flaky = await subscriber("flaky", ["job.*"], { claimIdleMs: 300, fail: (_e, info) => info.attempt === 1 });
    const ids = await publishEvents(3);
    await eventually(() => (flaky.handled.length === 3 ? true : undefined), 15_000, "handled on the second attempt");
    expect(flaky.handled.map((h) => [h.id, h.attempt])).toEqual(ids.map((id) => [id, 2]));
    await sleep(1000);
    expect(flaky.handled).toHaveLength(3);
    expect(((await stack.redis.xpending(stack.names.eventStream, "flaky")) as [number])[0]).toBe(0);
    await flaky.subscription.close({ deleteGroup: true });
  });

  it("a subscriber killed with SIGKILL mid-way loses nothing: its sibling takes over what it held", async () => {
    const lines: string[] = [];
    const child = spawn(process.execPath, [path.join(__dirname, "../support/sdk-subscriber-process.mjs")], {
      env: { ...process.env, REDIS_URL: stack.redisUrl, HERALD_NAMESPACE: stack.namespace, NAME: "worker", HANDLER_MS: "200" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    child.stdout!.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    await eventually(() => (lines.includes("subscribed") ? true : undefined), 10_000, "child subscribed");
    const ids = await publishEvents(12);
    await eventually(() => (lines.filter((l) => l.startsWith("handled")).length >= 2 ? true : undefined), 15_000, "child at work");
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    const doneByChild = new Set(lines.filter((l) => l.startsWith("handled ")).map((l) => l.slice("handled ".length)));
    expect(doneByChild.size).toBeLessThan(12);

    const sibling = await subscriber("worker", ["*"], { claimIdleMs: 500 });
    await eventually(
      () => (ids.every((id) => doneByChild.has(id) || sibling.handled.some((h) => h.id === id)) ? true : undefined),
      20_000,
      "every event handled by one of them",
    );
    // What the child had been given and not acknowledged came over as a later attempt.
    expect(sibling.handled.some((h) => h.attempt > 1)).toBe(true);
    await sleep(800);
    expect(((await stack.redis.xpending(stack.names.eventStream, "worker")) as [number])[0]).toBe(0);
    await sibling.subscription.close({ deleteGroup: true });
  });

  it("the router's progress trims nothing another group still needs, and a lagging group does not hold up publishing", async () => {
    const late = await subscriber("late", ["*"]);
    await late.subscription.close();
    // More than INGEST_MAX_BACKLOG events while "late" reads nothing: the router routes them all and ingest keeps accepting.
    const ids = await publishEvents(MAX_BACKLOG + 10);
    await eventually(
      async () => {
        const [row] = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE id = ANY($1)", [ids]);
        return row?.n === ids.length ? true : undefined;
      },
      15_000,
      "routed",
    );
    // The router trims every 5 s; give it two rounds.
    await sleep(11_000);
    expect(await stack.streamLength()).toBeGreaterThanOrEqual(ids.length);
    const back = await subscriber("late", ["*"]);
    await eventually(() => (ids.every((id) => back.handled.some((h) => h.id === id)) ? true : undefined), 20_000, "late got them all");
    // Once it has acknowledged them, they go.
    await eventually(async () => ((await stack.streamLength()) < ids.length ? true : undefined), 15_000, "trimmed after the ack");
  }, 60_000);
});
