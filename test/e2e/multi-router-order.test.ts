import { seenWindow } from "@herald/client";
import { publish, RecordingClient, eventually, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { scrape, TEST_METRICS_TOKEN } from "../support/metrics";
import { producerToken, userToken } from "../support/tokens";

const USERS = ["ana", "ben", "cyd", "dee"];
const EVENTS = 240;

/**
 * Three routers store notifications for the same users at once. Each
 * router's batch is held open a few milliseconds after its insert (a trigger
 * in this test's database), so without per-user commit order a lower id
 * would regularly commit after a higher one.
 *
 * - A reader polling each user's ids never sees a hole filled later: a
 *   user's ids become visible in id order (what catch-up from a client's
 *   last id relies on).
 * - The users' clients keep disconnecting and reconnecting from their last
 *   id, listing what they hold (`seenIds`, as @herald/client does, for a push
 *   that overtakes another by a few ms): none is missed, none comes twice.
 */
describe("order per user across three routers", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;

  beforeAll(async () => {
    stack = await TestStack.create({ METRICS_TOKEN: TEST_METRICS_TOKEN });
    await stack.db.query(`
      CREATE FUNCTION test_commit_late() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(random() * 0.03); RETURN NULL; END $$`);
    await stack.db.query(
      `CREATE TRIGGER test_commit_late AFTER INSERT ON notifications FOR EACH STATEMENT EXECUTE FUNCTION test_commit_late()`,
    );
    const routerEnv = (n: number) => ({ env: { ROUTER_BATCH_SIZE: "4", ROUTER_CONSUMER_NAME: `router-${n}` }, key: `router-${n}` });
    [{ url: ingest }, , , , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router", routerEnv(1)),
      stack.start("router", routerEnv(2)),
      stack.start("router", routerEnv(3)),
      stack.start("realtime-gateway"),
    ]);
  }, 60_000);
  afterAll(() => stack.stop());

  /** A user's client, reconnecting every 20–120 ms from the last id it holds; every notification it was given, in order. */
  function reconnectingClient(user: string, running: () => boolean) {
    const received: number[] = [];
    const token = userToken(user);
    const done = (async () => {
      let cursor = 0;
      const floor = 0;
      // One more session once the publishing is over, to collect the rest.
      for (let last = false; ;) {
        if (!running()) last = true;
        const seenIds = seenWindow(received, floor, cursor);
        const client = new RecordingClient(gateway, token, { lastNotificationId: cursor, ...(cursor > 0 && { seenIds }) });
        await client.connected();
        const caughtUp = await eventually(
          () => client.named("caught_up")[0] as { lastNotificationId: number } | undefined,
          10_000,
          "caught_up",
        );
        await sleep(last ? 1500 : 20 + Math.random() * 100);
        client.close();
        const ids = client.notifications.map((n) => n.id);
        received.push(...ids);
        cursor = Math.max(cursor, caughtUp.lastNotificationId, ...ids);
        if (last) return;
      }
    })();
    return { received, done };
  }

  /** Polls a user's ids; every id that shows up below one seen in an earlier poll (a late commit). */
  function lateCommitWatcher(user: string, running: () => boolean) {
    const late: number[] = [];
    const done = (async () => {
      const known = new Set<number>();
      let newest = 0;
      while (running()) {
        const rows = await stack.db.query<{ id: string }>("SELECT id FROM notifications WHERE user_id = $1", [user]);
        const ids = rows.map((r) => Number(r.id)).filter((id) => !known.has(id));
        for (const id of ids) {
          if (id < newest) late.push(id);
          known.add(id);
        }
        newest = Math.max(newest, ...ids);
        await sleep(5);
      }
    })();
    return { late, done };
  }

  it("a user's ids commit in id order, and every user's client gets each of its notifications once", async () => {
    let publishing = true;
    const clients = USERS.map((u) => reconnectingClient(u, () => publishing));
    const watchers = USERS.map((u) => lateCommitWatcher(u, () => publishing));
    const token = producerToken("ci");
    let next = 0;
    const publisher = async () => {
      while (next < EVENTS) {
        const i = next++;
        const res = await publish(ingest, token, {
          id: `order-${i}`,
          type: "job.completed",
          recipients: USERS,
          payload: { jobName: `j${i}` },
        });
        if (res.status === 429) {
          next--;
          await sleep(1000);
        } else expect(res.status).toBe(202);
      }
    };
    await Promise.all(Array.from({ length: 6 }, publisher));
    await eventually(
      async () => {
        const [row] = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM notifications");
        return row?.n === EVENTS * USERS.length ? true : undefined;
      },
      60_000,
      "every notification stored",
    );
    // The routers took turns: each routed some of the events.
    const routed = await Promise.all(
      [1, 2, 3].map(async (n) => (await scrape(stack.service(`router-${n}`).url)).value("herald_router_events_routed_total")),
    );
    for (const count of routed) expect(count).toBeGreaterThan(0);
    publishing = false;
    await Promise.all([...clients, ...watchers].map((c) => c.done));
    expect(USERS.map((user, i) => ({ user, late: watchers[i]!.late }))).toEqual(USERS.map((user) => ({ user, late: [] })));

    for (const [i, user] of USERS.entries()) {
      const stored = (await stack.db.query<{ id: string }>("SELECT id FROM notifications WHERE user_id = $1 ORDER BY id", [user])).map(
        (r) => Number(r.id),
      );
      const got = clients[i]!.received;
      const twice = got.filter((id, k) => got.indexOf(id) !== k);
      const missed = stored.filter((id) => !got.includes(id));
      expect({ user, missed, twice }).toEqual({ user, missed: [], twice: [] });
      expect(new Set(got).size).toBe(EVENTS);
    }
  }, 180_000);
});
