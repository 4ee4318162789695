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
