import type { NotificationMessage } from "@herald/contract";
import { eventually, publish, RecordingClient } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const USERS = 400;
const CHUNK = 50;
const CHUNKS = USERS / CHUNK;
const user = (i: number) => `fan-${String(i).padStart(3, "0")}`;
/** Users with a socket connected: spread over every chunk. */
const WATCHED = Array.from({ length: USERS / 20 }, (_, i) => user(i * 20 + 3));

/**
 * One event to every subscriber of a type (scope `all`): with
 * ROUTER_FANOUT_CHUNK=50 and 400 subscribers it is written 50 recipients per
 * transaction behind a durable cursor, other events are routed between its
 * chunks, and a router killed mid-way resumes after the last committed chunk.
 */
describe("large fan-out in chunks", () => {
  let stack: TestStack;
  let ingest: string;
  const clients: RecordingClient[] = [];
  const token = producerToken();

  beforeAll(async () => {
    // A dead router's fan-out lease (and stream entries) are taken over after 2 s.
    stack = await TestStack.create({ ROUTER_FANOUT_CHUNK: String(CHUNK), ROUTER_CLAIM_IDLE_MS: "2000" });
    await stack.db.query(`INSERT INTO users (id) SELECT 'fan-' || lpad(g::text, 3, '0') FROM generate_series(0, ${USERS - 1}) g`);
    await stack.db.query(`
      INSERT INTO notification_preferences (user_id, event_type_id, is_enabled, channels, scope)
      SELECT u.id, et.id, true, ARRAY['in_app'], 'all' FROM users u, event_types et WHERE et.name = 'collab.lock'`);
    // Each of the first broadcast's rows takes 4 ms more to insert (200 ms a chunk), so that the fan-out
    // lasts long enough for another event to be published while it is under way.
    await stack.db.query(`
      CREATE FUNCTION test_slow_fanout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.004); RETURN NULL; END $$`);
    await stack.db.query(`
      CREATE TRIGGER test_slow_fanout AFTER INSERT ON notifications FOR EACH ROW
      WHEN (NEW.event_id = 'broadcast-1') EXECUTE FUNCTION test_slow_fanout()`);
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway")]);
    ingest = stack.service("ingest").url;
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
  const watch = async () => {
    const sockets = new Map<string, RecordingClient>();
    for (const userId of WATCHED) sockets.set(userId, await connect(userId));
    return sockets;
  };
  const broadcast = async (id: string) => {
    const res = await publish(ingest, token, { id, type: "collab.lock", actorUserId: "operator", payload: { entity: "dataset-1" } });
    expect(res.status).toBe(202);
  };
  const rowsOf = async (eventId: string) =>
    Number((await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM notifications WHERE event_id = $1`, [eventId]))[0]!.n);
  const fanoutOf = async (eventId: string) =>
    (
      await stack.db.query<{ chunks: number; recipients: number; finished: boolean }>(
        `SELECT chunks, recipients, finished_at IS NOT NULL AS finished FROM event_fanouts WHERE event_id = $1`,
        [eventId],
      )
    )[0];
  const pushesOf = (client: RecordingClient, eventId: string) =>
    client.notifications.filter((n: NotificationMessage) => n.eventId === eventId);

  /** The first time `userId`'s row of `eventId` is inserted, the statement stops (for two minutes), its chunk in hand. */
  const stopOnceAt = async (eventId: string, userId: string) => {
    const name = `test_stop_${eventId.replace(/\W/g, "_")}`;
    await stack.db.query(`CREATE SEQUENCE ${name}_once`);
    await stack.db.query(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF nextval('${name}_once') = 1 THEN PERFORM pg_sleep(120); END IF; RETURN NULL; END $$`);
    await stack.db.query(`
      CREATE TRIGGER ${name} AFTER INSERT ON notifications FOR EACH ROW
      WHEN (NEW.event_id = '${eventId}' AND NEW.user_id = '${userId}') EXECUTE FUNCTION ${name}()`);
  };
  /** The backend of the statement stopped by stopOnceAt, once it is. */
  const stoppedBackend = async () =>
    (
      await stack.db.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep' AND query NOT LIKE '%pg_stat_activity%'`,
      )
    )[0]?.pid;

  /** Every subscriber has exactly one row and one decision, and every watched socket exactly one push. */
  const expectEveryoneOnce = async (eventId: string, sockets: ReadonlyMap<string, RecordingClient>) => {
    const perUser = await stack.db.query<{ user_id: string; n: number }>(
      `SELECT user_id, count(*)::int AS n FROM notifications WHERE event_id = $1 GROUP BY user_id ORDER BY user_id`,
      [eventId],
    );
    expect(perUser).toEqual(Array.from({ length: USERS }, (_, i) => ({ user_id: user(i), n: 1 })));
    expect(await stack.db.query(`SELECT count(*)::int AS n FROM decision_records WHERE event_id = $1`, [eventId])).toEqual([{ n: USERS }]);
    expect(
      await stack.db.query(`SELECT count(*)::int AS n FROM notifications WHERE event_id = $1 AND NOT is_delivered`, [eventId]),
    ).toEqual([{ n: 0 }]);
    await eventually(() => ([...sockets.values()].every((c) => pushesOf(c, eventId).length >= 1) ? true : undefined), 10_000, "every push");
    // Let a stray repeat, if any, land before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const [userId, client] of sockets) {
      expect({ userId, pushes: pushesOf(client, eventId).length }).toEqual({ userId, pushes: 1 });
    }
  };

  it("writes the recipients chunk by chunk, and an event published meanwhile is delivered before the fan-out ends", async () => {
    const sockets = await watch();
    const solo = await connect("solo");
    await broadcast("broadcast-1");
    await eventually(async () => ((await fanoutOf("broadcast-1"))?.chunks ?? 0) >= 1 || undefined, 20_000, "first chunk");

    const small = await publish(ingest, token, { type: "job.completed", payload: { ownerUserId: "solo", jobName: "small" } });
    expect(small.status).toBe(202);
    await eventually(() => solo.notifications.find((n) => n.eventId === small.body!.id), 20_000, "the small event's push");
    // Delivered while the fan-out was still being written: it did not wait behind the 400 recipients.
    expect((await fanoutOf("broadcast-1"))!.finished).toBe(false);
    expect(await rowsOf("broadcast-1")).toBeLessThan(USERS);

    await eventually(async () => (await fanoutOf("broadcast-1"))?.finished || undefined, 30_000, "fan-out finished");
    expect(await fanoutOf("broadcast-1")).toEqual({ chunks: CHUNKS, recipients: USERS, finished: true });
    // One transaction per chunk (a row's created_at is its transaction's start).
    expect(await stack.db.query(`SELECT count(DISTINCT created_at)::int AS n FROM notifications WHERE event_id = 'broadcast-1'`)).toEqual([
      { n: CHUNKS },
    ]);
    await expectEveryoneOnce("broadcast-1", sockets);
    // The stream entry was acknowledged once the fan-out was accepted.
    expect(((await stack.redis.xpending(stack.names.eventStream, "router")) as [number])[0]).toBe(0);

    // Its stream entry delivered again (as after a crash before the acknowledgement): nothing more is written or pushed.
    const [stored] = await stack.db.query<{ event: string }>(
      `SELECT event::text AS event FROM event_fanouts WHERE event_id = 'broadcast-1'`,
    );
    await stack.redis.xadd(stack.names.eventStream, "*", "event", stored!.event);
    const again = await publish(ingest, token, { type: "job.completed", payload: { ownerUserId: "solo", jobName: "after" } });
    await eventually(() => solo.notifications.find((n) => n.eventId === again.body!.id), 20_000, "a later event");
    expect(await rowsOf("broadcast-1")).toBe(USERS);
    expect((await fanoutOf("broadcast-1"))!.chunks).toBe(CHUNKS);
  });

  it("groups a fan-out's notifications in every chunk: a second event of the group updates each user's one notification", async () => {
    const grouped = (id: string) =>
      publish(ingest, token, { id, type: "collab.lock", actorUserId: "operator", groupKey: "locks", payload: { entity: id } });
    expect((await grouped("broadcast-group-1")).status).toBe(202);
    await eventually(async () => (await fanoutOf("broadcast-group-1"))?.finished || undefined, 30_000, "first grouped fan-out");
    expect((await grouped("broadcast-group-2")).status).toBe(202);
    await eventually(async () => (await fanoutOf("broadcast-group-2"))?.finished || undefined, 30_000, "second grouped fan-out");
    const rows = await stack.db.query(
      `SELECT count(*)::int AS n, min(count)::int AS least, max(count)::int AS most FROM notifications WHERE group_key = 'key:locks'`,
    );
    expect(rows).toEqual([{ n: USERS, least: 2, most: 2 }]);
    expect(
      await stack.db.query(
        `SELECT outcome, count(*)::int AS n FROM decision_records WHERE event_id = 'broadcast-group-2' GROUP BY outcome`,
      ),
    ).toEqual([{ outcome: "grouped", n: USERS }]);
  });

  it("resumes after the last committed chunk when the router is killed mid-fan-out: every user one row, every socket one push", async () => {
    const sockets = await watch();
    // The first time the fifth chunk (users 200-249) is written, its statement stops: the kill lands
    // with four chunks committed and pushed and the fifth in hand, uncommitted.
    await stopOnceAt("broadcast-crash", user(4 * CHUNK + 10));
    await broadcast("broadcast-crash");
    const pid = await eventually(stoppedBackend, 30_000, "fifth chunk in hand");
    await stack.service("router").kill();
    // The dead router's connection goes too (as when its host dies), releasing its locks.
    await stack.db.query(`SELECT pg_terminate_backend($1)`, [pid]);
    expect(await rowsOf("broadcast-crash")).toBe(4 * CHUNK);
    expect(await fanoutOf("broadcast-crash")).toEqual({ chunks: 4, recipients: 4 * CHUNK, finished: false });

    await stack.service("router").spawn();
    await eventually(async () => (await fanoutOf("broadcast-crash"))?.finished || undefined, 30_000, "fan-out finished after restart");
    expect(await fanoutOf("broadcast-crash")).toEqual({ chunks: CHUNKS, recipients: USERS, finished: true });
    await expectEveryoneOnce("broadcast-crash", sockets);
  });
  it("is taken over by a sibling router when the one writing it dies, once its lease has run out", async () => {
    await stack.start("router", { key: "router-2" });
    const sockets = await watch();
    await stopOnceAt("broadcast-takeover", user(2 * CHUNK + 10));
    await broadcast("broadcast-takeover");
    const pid = await eventually(stoppedBackend, 30_000, "third chunk in hand");
    const [lease] = await stack.db.query<{ owner: string }>(
      `SELECT lease_owner AS owner FROM event_fanouts WHERE event_id = 'broadcast-takeover'`,
    );
    const owner = lease!.owner;
    const portOf = (key: string) => `:${stack.service(key).port}`;
    const holder = owner.endsWith(portOf("router")) ? "router" : "router-2";
    const sibling = holder === "router" ? "router-2" : "router";
    expect(owner.endsWith(portOf(holder))).toBe(true);
    await stack.service(holder).kill();
    await stack.db.query(`SELECT pg_terminate_backend($1)`, [pid]);
    expect(await fanoutOf("broadcast-takeover")).toEqual({ chunks: 2, recipients: 2 * CHUNK, finished: false });

    // Only the sibling is left to finish it.
    expect(stack.service(sibling).running).toBe(true);
    await eventually(async () => (await fanoutOf("broadcast-takeover"))?.finished || undefined, 30_000, "fan-out finished by the sibling");
    expect(await fanoutOf("broadcast-takeover")).toEqual({ chunks: CHUNKS, recipients: USERS, finished: true });
    await expectEveryoneOnce("broadcast-takeover", sockets);
  });
  it("gives up a fan-out Postgres refuses as data where it stopped, and the fan-outs behind it go on", async () => {
    // A value Postgres refuses (SQLSTATE 22023) in the third chunk of one fan-out, every time.
    await stack.db.query(`
      CREATE FUNCTION test_refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '22023'; END $$`);
    await stack.db.query(`
      CREATE TRIGGER test_refuse_row AFTER INSERT ON notifications FOR EACH ROW
      WHEN (NEW.event_id = 'broadcast-refused' AND NEW.user_id = '${user(2 * CHUNK + 10)}') EXECUTE FUNCTION test_refuse_row()`);
    await broadcast("broadcast-refused");
    await broadcast("broadcast-after");
    await eventually(async () => (await fanoutOf("broadcast-after"))?.finished || undefined, 30_000, "the next fan-out finished");
    expect(await fanoutOf("broadcast-refused")).toEqual({ chunks: 2, recipients: 2 * CHUNK, finished: true });
    expect(await rowsOf("broadcast-refused")).toBe(2 * CHUNK);
    expect(await fanoutOf("broadcast-after")).toEqual({ chunks: CHUNKS, recipients: USERS, finished: true });
  });
});
