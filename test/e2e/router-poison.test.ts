import { randomUUID } from "node:crypto";
import { eventually, RecordingClient, sleep } from "../support/clients";
import { ROUTER_CONSUMER_GROUP } from "@herald/runtime";
import { TestStack } from "../support/stack";
import { TcpProxy } from "../support/tcp-proxy";
import { userToken } from "../support/tokens";

/**
 * Well under the ~21 s a poisoned entry used to hold everything behind it
 * (ROUTER_MAX_DELIVERIES retries in line), yet far above the ~100 ms it takes
 * now: 2 s was missed by 105 ms on a loaded 2-core machine, a flake that proves nothing.
 */
const PROMPTLY_MS = 8_000;

const event = (ownerUserId: string, overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: "job.completed",
  occurredAt: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  payload: { ownerUserId, jobName: "train" },
  ...overrides,
});

const NESTING = 10_000;

/**
 * Stream entries (the `event` field) that ingest would refuse but the router
 * must survive: each one Postgres, or the router itself, cannot store.
 */
const POISONS = {
  nul: (owner: string) => JSON.stringify(event(owner, { payload: { ownerUserId: owner, jobName: "tr\u0000ain" } })),
  surrogate: (owner: string) => JSON.stringify(event(owner, { payload: { ownerUserId: owner, jobName: "\ud800" } })),
  yearZero: (owner: string) => JSON.stringify(event(owner, { occurredAt: "0000-01-01T00:00:00.000Z" })),
  // Written out as text: too deep for JSON.stringify, which is the point.
  deep: (owner: string) =>
    JSON.stringify(event(owner, { payload: { ownerUserId: owner, deep: "DEEP" } })).replace(
      '"DEEP"',
      "[".repeat(NESTING) + "]".repeat(NESTING),
    ),
};
const idOf = (raw: string) => (JSON.parse(raw) as { id: string }).id;

type Fields = Record<string, string>;
const toFields = (raw: string[]): Fields => Object.fromEntries(raw.flatMap((_, i) => (i % 2 ? [] : [[raw[i]!, raw[i + 1]!]])));

/**
 * Entries written straight to the stream (bypassing ingest's validation) that
 * can never be stored: the router dead-letters each at once, with its reason,
 * and every other entry goes on; real router and gateway processes, a real
 * Socket.IO client.
 */
describe("a poisoned stream entry", () => {
  let stack: TestStack;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    await Promise.all([stack.start("router"), stack.start("realtime-gateway")]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
  });

  const connect = async (userId: string) => {
    const client = new RecordingClient(stack.service("realtime-gateway").url, userToken(userId));
    clients.push(client);
    await client.connected();
    return client;
  };
  const deadLetters = async () => (await stack.redis.xrange(stack.names.deadLetterStream, "-", "+")).map(([, raw]) => toFields(raw));
  const xadd = (raw: string) => stack.redis.xadd(stack.names.eventStream, "*", "event", raw);

  it("does not hold up an ordinary event published right after it, and is dead-lettered at once with its reason", async () => {
    const alice = await connect("alice");
    // A first event warms the router up (connections, Prisma's statements): the figure below is routing, not start-up.
    const warmUp = event("alice");
    await xadd(JSON.stringify(warmUp));
    await eventually(() => alice.notifications.find((n) => n.eventId === warmUp.id), 10_000, "the warm-up event");
    const poison = POISONS.nul("mallory");
    const ordinary = event("alice");
    await xadd(poison);
    const published = Date.now();
    await xadd(JSON.stringify(ordinary));

    await eventually(() => alice.notifications.find((n) => n.eventId === ordinary.id), 30_000, "the ordinary event");
    const delayMs = Date.now() - published;
    console.info(`ordinary event behind a poisoned one: ${delayMs} ms`);
    expect(delayMs).toBeLessThan(PROMPTLY_MS);

    const [letter] = await eventually(async () => {
      const letters = (await deadLetters()).filter((l) => l.event === poison);
      return letters.length > 0 ? letters : undefined;
    }, PROMPTLY_MS);
    expect(letter!.reason).toMatch(/22P05|22021/);
    expect(await stack.db.query("SELECT id FROM events WHERE id = $1", [idOf(poison)])).toEqual([]);
  });

  it("in the middle of a batch: the ordinary entries are stored and pushed in stream order, only the poisoned ones are dead-lettered", async () => {
    const bob = await connect("bob");
    const before = (await deadLetters()).length;
    const ordinary = Array.from({ length: 6 }, () => event("bob"));
    const poisons = [POISONS.nul, POISONS.surrogate, POISONS.yearZero, POISONS.deep].map((make) => make("mallory"));
    // One transaction: the router's blocked read gets every entry in one batch.
    const transaction = stack.redis.multi();
    ordinary.forEach((good, i) => {
      transaction.xadd(stack.names.eventStream, "*", "event", JSON.stringify(good));
      if (poisons[i]) transaction.xadd(stack.names.eventStream, "*", "event", poisons[i]!);
    });
    transaction.xadd(stack.names.eventStream, "*", "event", "{not json");
    const published = Date.now();
    await transaction.exec();

    await eventually(() => (bob.notifications.length >= ordinary.length ? true : undefined), 30_000, "bob's notifications");
    expect(Date.now() - published).toBeLessThan(PROMPTLY_MS);
    expect(bob.notifications.map((n) => n.eventId)).toEqual(ordinary.map((e) => e.id));
    expect(bob.notifications.map((n) => n.unreadCount)).toEqual([1, 2, 3, 4, 5, 6]);

    const letters = await eventually(async () => {
      const all = (await deadLetters()).slice(before);
      return all.length >= poisons.length + 1 ? all : undefined;
    }, PROMPTLY_MS);
    expect(letters).toHaveLength(poisons.length + 1);
    const reasonOf = (raw: string) => letters.find((l) => l.event === raw)?.reason;
    expect(reasonOf(poisons[0]!)).toMatch(/22P05|22021/);
    expect(reasonOf(poisons[1]!)).toMatch(/22P02|22P05/);
    expect(reasonOf(poisons[2]!)).toMatch(/22008/);
    expect(reasonOf(poisons[3]!)).toMatch(/call stack|54001/);
    expect(letters.find((l) => l.event === "{not json")?.reason).toBe("malformed event entry");

    const stored = await stack.db.query<{ id: string }>("SELECT id FROM events WHERE id = ANY($1::text[]) ORDER BY id", [
      [...ordinary.map((e) => e.id), ...poisons.map(idOf)],
    ]);
    expect(stored.map((r) => r.id).sort()).toEqual(ordinary.map((e) => e.id).sort());
    const pending = (await stack.redis.xpending(stack.names.eventStream, "router")) as [number];
    expect(pending[0]).toBe(0);
  });
});

/**
 * Postgres going away is not the entries' fault: with ROUTER_MAX_DELIVERIES=1
 * a single counted failure would dead-letter an entry, yet nothing is
 * dead-lettered during the outage and everything is stored once it is back.
 * The router reaches Postgres through a proxy the test cuts.
 */
describe("a Postgres outage", () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.create({ ROUTER_MAX_DELIVERIES: "1" });
    const url = new URL(stack.db.url);
    proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    await Promise.all([stack.start("router", { env: { DATABASE_URL: url.toString() } }), stack.start("realtime-gateway")]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await proxy.close();
    await stack.stop();
  });

  const pending = async () => ((await stack.redis.xpending(stack.names.eventStream, ROUTER_CONSUMER_GROUP)) as [number])[0];

  it("dead-letters nothing: the events are stored and pushed once Postgres is back", async () => {
    const carol = new RecordingClient(stack.service("realtime-gateway").url, userToken("carol"));
    clients.push(carol);
    await carol.connected();
    const xadd = (e: Record<string, unknown>) => stack.redis.xadd(stack.names.eventStream, "*", "event", JSON.stringify(e));
    const first = event("carol");
    await xadd(first);
    await eventually(() => carol.notifications.find((n) => n.eventId === first.id), 10_000, "before the outage");
    // The outage comes between batches here (the next test cuts one in the middle): its dispatch recorded and acknowledged.
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 10_000, "first event acknowledged");

    await proxy.close();
    const during = Array.from({ length: 3 }, () => event("carol"));
    for (const e of during) await xadd(e);
    const router = stack.service("router").url;
    await eventually(async () => ((await fetch(`${router}/ready`)).status === 503 ? true : undefined), 10_000, "router unready");
    // Long enough for several failed rounds, each of which would have dead-lettered a counted entry.
    await sleep(2_500);
    expect(await stack.redis.xlen(stack.names.deadLetterStream)).toBe(0);
    expect(carol.notifications).toHaveLength(1);

    await proxy.open();
    // The router's reconnect backs off (5 s at most). At least 4, so that a repeated push fails the order check below
    // at once: waiting for exactly 4 once timed out on a fifth push (an outage between a push and its record, fixed).
    await eventually(() => (carol.notifications.length >= 4 ? true : undefined), 30_000, "events after the outage").catch(
      (error: Error) => {
        // Should the router not come back, what it said tells why.
        throw new Error(
          `${error.message}; ${carol.notifications.length} of 4 pushed; the router's log:\n${stack.service("router").logs.slice(-6_000)}`,
        );
      },
    );
    expect(carol.notifications.map((n) => n.eventId)).toEqual([first, ...during].map((e) => e.id));
    expect(await stack.redis.xlen(stack.names.deadLetterStream)).toBe(0);
    await eventually(async () => ((await fetch(`${router}/ready`)).status === 200 ? true : undefined), 10_000, "router ready");
  });

  it("between a batch's push and the record of it, retries the record, not the batch: the notification is pushed once", async () => {
    const dave = new RecordingClient(stack.service("realtime-gateway").url, userToken("dave"));
    clients.push(dave);
    await dave.connected();
    // Postgres refusing the record of dave's push as a server going down would (SQLSTATE class 57) while the flag is set.
    await stack.db.query(`CREATE TABLE refuse_dispatch_record (on_ boolean)`);
    await stack.db.query(`INSERT INTO refuse_dispatch_record VALUES (true)`);
    await stack.db.query(`
      CREATE FUNCTION refuse_dispatch_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM refuse_dispatch_record) THEN
          RAISE EXCEPTION 'the database system is shutting down' USING ERRCODE = '57P03';
        END IF;
        RETURN NEW;
      END $$`);
    await stack.db.query(`
      CREATE TRIGGER refuse_dispatch_record BEFORE UPDATE ON notifications FOR EACH ROW
      WHEN (OLD.status = 'pending' AND NEW.status = 'delivered' AND NEW.user_id = 'dave') EXECUTE FUNCTION refuse_dispatch_record()`);
    const e = event("dave");
    await stack.redis.xadd(stack.names.eventStream, "*", "event", JSON.stringify(e));
    await eventually(() => dave.notifications.find((n) => n.eventId === e.id), 10_000, "the push");
    // Several failed records (backoff from 100 ms): handling the batch again each time would push it again each time.
    await sleep(2_000);
    expect(await pending()).toBe(1);
    await stack.db.query(`DELETE FROM refuse_dispatch_record`);
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 15_000, "acknowledged once recorded");
    const [row] = await stack.db.query<{ status: string }>(`SELECT status FROM notifications WHERE user_id = 'dave'`);
    expect(row!.status).toBe("delivered");
    await sleep(300);
    expect(dave.notifications.map((n) => n.eventId)).toEqual([e.id]);
    expect(await stack.redis.xlen(stack.names.deadLetterStream)).toBe(0);
  });
});
