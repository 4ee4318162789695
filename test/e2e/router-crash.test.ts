import { Client } from "pg";
import { eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

const EVENTS = 1000;
const RECIPIENTS_PER_EVENT = 2;

/**
 * kill -9 the router in the middle of a burst: its unacknowledged entries are
 * reclaimed by the restarted router (a new consumer) and stored exactly once.
 */
describe("router crash mid-burst", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.create({ ROUTER_CLAIM_IDLE_MS: "1000", ROUTER_BATCH_SIZE: "50" });
    await Promise.all([stack.start("ingest"), stack.start("router")]);
  });
  afterAll(() => stack.stop());

  const notificationCount = async () => Number((await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications"))[0]!.n);

  it("yields exactly one notification per recipient for every event", async () => {
    const ingest = stack.service("ingest").url;
    const token = producerToken();
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      id: `burst-${i}`,
      type: "review.submitted",
      actorUserId: `author-${i % 7}`,
      payload: { contentOwnerUserId: `owner-${i % 13}`, reviewerUserIds: [`reviewer-${i % 5}`] },
    }));

    // Publish one by one, 8 in flight, while the router works through them.
    let next = 0;
    const publisher = async () => {
      while (next < events.length) {
        const event = events[next++]!;
        const res = await publish(ingest, token, event);
        if (res.status !== 202) throw new Error(`publish failed: ${res.status}`);
      }
    };
    const publishing = Promise.all(Array.from({ length: 8 }, publisher));

    await eventually(async () => ((await notificationCount()) >= 200 ? true : undefined), 20_000, "router under way");
    await stack.service("router").kill();
    const atKill = await notificationCount();
    await publishing;
    // The kill landed mid-burst: work was left for the restarted router.
    expect(atKill).toBeLessThan(EVENTS * RECIPIENTS_PER_EVENT);

    await stack.service("router").spawn();
    await eventually(
      async () => ((await notificationCount()) >= EVENTS * RECIPIENTS_PER_EVENT ? true : undefined),
      30_000,
      "all notifications",
    );
    // Let a stray duplicate, if any, land before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(await notificationCount()).toBe(EVENTS * RECIPIENTS_PER_EVENT);
    expect(await stack.db.query("SELECT count(*)::int AS n FROM events")).toEqual([{ n: EVENTS }]);
    const wrong = await stack.db.query(
      `SELECT e.id FROM events e LEFT JOIN notifications n ON n.event_id = e.id
       GROUP BY e.id HAVING count(n.id) <> ${RECIPIENTS_PER_EVENT}`,
    );
    expect(wrong).toEqual([]);
    // Each event reached exactly the owner and the reviewer it named.
    const mismatched = await stack.db.query(
      `SELECT n.event_id FROM notifications n JOIN events e ON e.id = n.event_id
       WHERE n.user_id NOT IN (e.payload->>'contentOwnerUserId', e.payload->'reviewerUserIds'->>0)`,
    );
    expect(mismatched).toEqual([]);
    // Nothing is left pending in the consumer group, and every stored notification was pushed.
    const pending = (await stack.redis.xpending(stack.names.eventStream, "router")) as [number];
    expect(pending[0]).toBe(0);
    expect(await stack.db.query("SELECT count(*)::int AS n FROM notifications WHERE NOT is_delivered")).toEqual([{ n: 0 }]);
  });
});

/**
 * A router killed mid-burst and started again comes back under the same
 * consumer name (by default its host name and port), so it finishes the
 * entries it left pending at once. The claim idle time is set far beyond the
 * test's patience: a router under a new name would leave them for XAUTOCLAIM
 * and the test would time out.
 */
describe("router restarted under its own name", () => {
  const CLAIM_IDLE_MS = 600_000;
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.create({ ROUTER_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), ROUTER_BATCH_SIZE: "50" });
    await stack.start("router");
  });
  afterAll(() => stack.stop());

  const notificationCount = async () => Number((await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications"))[0]!.n);
  const consumers = async () =>
    ((await stack.redis.xinfo("CONSUMERS", stack.names.eventStream, "router")) as unknown[][]).map((c) => ({
      name: String(c[c.indexOf("name") + 1]),
      pending: Number(c[c.indexOf("pending") + 1]),
    }));

  it("resumes its own pending entries at once after kill -9, well before ROUTER_CLAIM_IDLE_MS", async () => {
    const transaction = stack.redis.multi();
    for (let i = 0; i < EVENTS; i++) {
      const event = {
        id: `resume-${i}`,
        type: "job.completed",
        occurredAt: new Date().toISOString(),
        receivedAt: new Date().toISOString(),
        payload: { ownerUserId: `owner-${i % 17}`, jobName: `job ${i}` },
      };
      transaction.xadd(stack.names.eventStream, "*", "event", JSON.stringify(event));
    }
    await transaction.exec();

    await eventually(async () => ((await notificationCount()) >= 100 ? true : undefined), 20_000, "router under way");
    // Hold the router's next store statement (SHARE blocks inserts, not reads) so that the kill finds a batch read
    // and not acknowledged: a kill timed between two batches found nothing pending on a busy machine.
    const blocker = new Client({ connectionString: stack.db.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("LOCK TABLE notifications IN SHARE MODE");
    try {
      await eventually(async () => ((await consumers())[0]!.pending > 0 ? true : undefined), 20_000, "a batch in hand");
      await stack.service("router").kill();
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const [left] = await consumers();
    // The kill landed mid-burst: some entries were read and not acknowledged.
    expect(left!.pending).toBeGreaterThan(0);
    expect(await notificationCount()).toBeLessThan(EVENTS);

    const restarted = Date.now();
    await stack.service("router").spawn();
    // Everything stored, every notification pushed, nothing left pending: a
    // batch the kill caught between storing and acknowledging counts too.
    const undelivered = async () =>
      Number((await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE NOT is_delivered"))[0]!.n);
    await eventually(
      async () =>
        (await notificationCount()) >= EVENTS && (await undelivered()) === 0 && (await consumers()).every((c) => c.pending === 0)
          ? true
          : undefined,
      30_000,
      "every entry finished",
    );
    console.info(`restarted router finished its pending entries and the rest in ${Date.now() - restarted} ms`);
    expect(Date.now() - restarted).toBeLessThan(CLAIM_IDLE_MS);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await notificationCount()).toBe(EVENTS);
    expect(await consumers()).toEqual([{ name: left!.name, pending: 0 }]);
  });

  it("gives a second router on the same host a name of its own", async () => {
    await stack.start("router", { key: "router-2" });
    await eventually(async () => ((await consumers()).length === 2 ? true : undefined), 10_000, "two consumers");
    const names = (await consumers()).map((c) => c.name);
    expect(new Set(names).size).toBe(2);
    expect(names.map((n) => n.split(":").at(-1)).sort()).toEqual(
      [stack.service("router").port, stack.service("router-2").port].map(String).sort(),
    );
  });
});
