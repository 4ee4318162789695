import { api, eventually, publish, RecordingClient } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const CAP = 5;
/** Recipients of one event, more than RETENTION_BATCH_SIZE. */
const FANOUT = ["ret-fan-1", "ret-fan-2", "ret-fan-3", "ret-fan-4", "ret-fan-5"];
/** Events (so notifications) per user of the test. */
const COUNTS = { history: 3, reader: 4, capped: 8, flooded: 8, queued: 6, bystander: 3, sentinel: CAP + 1 };

interface Item {
  id: number;
  eventId: string | null;
  title: string;
  body: string;
  payload: Record<string, unknown>;
  read: boolean;
}

/**
 * Retention in the digest-scheduler, with short windows: real ingest, router,
 * gateway and digest-scheduler processes on real Redis and Postgres. Rows are
 * made the normal way (published events, reads through the gateway), then
 * some are aged by moving their created_at back past a window, and only then
 * does the scheduler start, so its first run sees the whole picture.
 */
describe("retention", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const token = (userId: string) => userToken(userId);
  const users = {
    /** Two of her three events are past EVENT_RETENTION_MS. */
    history: "ret-history",
    /** Four notifications past NOTIFICATION_RETENTION_MS, two of them read. */
    reader: "ret-reader",
    /** Eight notifications, four read (1, 2, 5, 6), over a cap of five. */
    capped: "ret-capped",
    /** Seven unread and one (the newest) read, over a cap of five. */
    flooded: "ret-flooded",
    /** Six read, the oldest with its webhook delivery still queued. */
    queued: "ret-queued",
    /** Recent rows of all kinds, under the cap: nothing of hers may change. */
    bystander: "ret-bystander",
    /** In digest mode, with a notification still pending whose event is gone: it is not a digest. */
    digest: "ret-digest",
    /** Last in id order, so last in a run: once it is trimmed, the first run has passed everyone. */
    sentinel: "zz-ret-sentinel",
  };
  const eventIds = (user: string, n: number) => Array.from({ length: n }, (_, i) => `${user}-e${i + 1}`);
  const list = async (user: string): Promise<Item[]> => {
    const res = await api(gateway, token(user), "GET", "/api/v1/notifications?limit=100");
    expect(res.status).toBe(200);
    return res.body.items as Item[];
  };
  const unread = async (user: string): Promise<number> =>
    (await api(gateway, token(user), "GET", "/api/v1/notifications/unread-count")).body.count;
  /** The user's notifications by event, oldest first: ids follow publish order. */
  const stored = (user: string) =>
    stack.db.query<{ id: string; event_id: string | null; title: string; is_read: boolean }>(
      // Ordered by the bigint, not the text it is returned as.
      "SELECT id::text, event_id, title, is_read FROM notifications WHERE user_id = $1 ORDER BY notifications.id",
      [user],
    );
  const markRead = async (user: string, notificationIds: string[]) => {
    for (const id of notificationIds)
      expect((await api(gateway, token(user), "POST", `/api/v1/notifications/${id}/read`)).status).toBe(204);
  };
  const ageBy = "now() - interval '1 hour'";

  let historyBefore: Item[];
  let fanoutBefore: Item[][];
  let bystanderBefore: unknown[];
  let cappedIds: string[];
  let floodedIds: string[];
  let queuedIds: string[];
  let flooded: RecordingClient;

  beforeAll(async () => {
    stack = await TestStack.create({
      RETENTION_TICK_MS: "200",
      SCHEDULER_TICK_MS: "200",
      EVENT_RETENTION_MS: "600000",
      NOTIFICATION_RETENTION_MS: "1200000",
      NOTIFICATION_MAX_PER_USER: String(CAP),
      // Several batches per phase, and batches cut short by the boundary.
      RETENTION_BATCH_SIZE: "2",
    });
    [{ url: ingest }, , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
    ]);
    const events: Record<string, unknown>[] = Object.entries(COUNTS).flatMap(([key, n]) => {
      const user = users[key as keyof typeof users];
      return eventIds(user, n).map((id, i) => ({
        id,
        type: "job.completed",
        payload: { ownerUserId: user, jobName: `${key}-job-${i + 1}` },
      }));
    });
    // One expiring event with more recipients than a batch: its notifications are detached over several batches.
    events.push({ id: "ret-fanout", type: "collab.mention", payload: { mentionedUserIds: FANOUT, note: "fan-out" } });
    expect((await publish(ingest, producerToken(), { events }, { path: "/batch" })).status).toBe(202);
    const total = Object.values(COUNTS).reduce((a, b) => a + b, 0) + FANOUT.length;
    await eventually(
      async () => ((await stack.db.query("SELECT id FROM notifications")).length === total ? true : undefined),
      30_000,
      "routing",
    );

    const ids = async (user: string) => (await stored(user)).map((n) => n.id);
    const reader = await ids(users.reader);
    await markRead(users.reader, [reader[0]!, reader[2]!]);
    cappedIds = await ids(users.capped);
    await markRead(users.capped, [cappedIds[0]!, cappedIds[1]!, cappedIds[4]!, cappedIds[5]!]);
    floodedIds = await ids(users.flooded);
    await markRead(users.flooded, [floodedIds[7]!]);
    queuedIds = await ids(users.queued);
    await markRead(users.queued, queuedIds);
    const bystander = await ids(users.bystander);
    await markRead(users.bystander, [bystander[1]!]);

    // A delivered webhook (with its attempt) on a read notification retention deletes, and a queued one on a notification the cap must spare.
    const [delivery] = await stack.db.query<{ id: string }>(
      "INSERT INTO deliveries (notification_id, user_id, channel, status) VALUES ($1, $2, 'webhook', 'delivered') RETURNING id::text",
      [reader[0], users.reader],
    );
    await stack.db.query(
      "INSERT INTO delivery_attempts (delivery_id, attempt, channel, outcome, duration_ms) VALUES ($1, 1, 'webhook', 'success', 5)",
      [delivery!.id],
    );
    await stack.db.query("INSERT INTO deliveries (notification_id, user_id, channel, status) VALUES ($1, $2, 'webhook', 'queued')", [
      queuedIds[0],
      users.queued,
    ]);

    await stack.db.query("INSERT INTO users (id) VALUES ($1)", [users.digest]);
    await stack.db.query("INSERT INTO user_notification_settings (user_id, digest_enabled, digest_interval) VALUES ($1, true, 'hourly')", [
      users.digest,
    ]);
    await stack.db.query(
      `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, payload, status)
       VALUES (NULL, $1, 'job.completed', 'job', 'Job completed', 'orphan completed', '{}', 'pending')`,
      [users.digest],
    );
    await stack.db.query(`UPDATE events SET created_at = ${ageBy} WHERE id = ANY($1)`, [[...eventIds(users.history, 2), "ret-fanout"]]);
    fanoutBefore = await Promise.all(FANOUT.map(list));
    await stack.db.query(`UPDATE notifications SET created_at = ${ageBy} WHERE user_id = $1`, [users.reader]);

    historyBefore = await list(users.history);
    bystanderBefore = await stack.db.query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY id", [users.bystander]);
    flooded = new RecordingClient(gateway, token(users.flooded));
    await flooded.connected();
    await eventually(() => (flooded.unreadCounts.at(-1) === 7 ? true : undefined), 10_000, "flooded's first unread count");

    await stack.start("digest-scheduler");
    await eventually(async () => ((await stored(users.sentinel)).length === CAP ? true : undefined), 30_000, "the first retention run");
  }, 90_000);
  afterAll(async () => {
    flooded?.close();
    await stack?.stop();
  });

  it("deletes events past EVENT_RETENTION_MS: event history only shows what it kept", async () => {
    expect(
      (await stack.db.query<{ id: string }>("SELECT id FROM events WHERE id LIKE 'ret-history-%' ORDER BY id")).map((e) => e.id),
    ).toEqual(["ret-history-e3"]);
    const history = await api(gateway, token(users.history), "GET", "/api/v1/events");
    expect(history.body.items.map((e: { id: string }) => e.id)).toEqual(["ret-history-e3"]);
    // Recent events of everyone else are all still there.
    const others = Object.values(COUNTS).reduce((a, b) => a + b, 0) - COUNTS.history;
    expect(await stack.db.query("SELECT id FROM events WHERE id NOT LIKE 'ret-history-%'")).toHaveLength(others);
    expect(await stack.db.query("SELECT id FROM events WHERE id = 'ret-fanout'")).toEqual([]);
    // Decision records live as long as their event.
    const decided = await stack.db.query<{ event_id: string }>(
      "SELECT DISTINCT event_id FROM decision_records WHERE event_id LIKE 'ret-history-%' OR event_id = 'ret-fanout' ORDER BY event_id",
    );
    expect(decided.map((r) => r.event_id)).toEqual(["ret-history-e3"]);
    expect(await stack.db.query("SELECT DISTINCT event_id FROM decision_records WHERE event_id LIKE 'ret-capped-%'")).toHaveLength(
      COUNTS.capped,
    );
  });

  it("keeps the notifications of deleted events, with their title, body and payload, in the list, the count and catch-up", async () => {
    const after = await list(users.history);
    expect(after).toHaveLength(3);
    const gone = new Set(eventIds(users.history, 2));
    expect(after).toEqual(historyBefore.map((n) => ({ ...n, eventId: n.eventId !== null && gone.has(n.eventId) ? null : n.eventId })));
    expect(after.find((n) => n.payload.jobName === "history-job-1")).toMatchObject({
      eventId: null,
      payload: { ownerUserId: users.history },
    });
    expect(after.find((n) => n.payload.jobName === "history-job-1")!.title).toBe(
      historyBefore.find((n) => n.payload.jobName === "history-job-1")!.title,
    );
    expect(await unread(users.history)).toBe(3);

    const socket = new RecordingClient(gateway, token(users.history), { lastNotificationId: 0 });
    try {
      await eventually(() => (socket.notifications.length === 3 ? true : undefined), 10_000, "catch-up");
      expect(socket.notifications.map((n) => n.payload.jobName)).toEqual(["history-job-1", "history-job-2", "history-job-3"]);
    } finally {
      socket.close();
    }
  });

  it("keeps every notification of an event with more recipients than a batch", async () => {
    const after = await Promise.all(FANOUT.map(list));
    expect(after).toEqual(fanoutBefore.map((items) => items.map((n) => ({ ...n, eventId: null }))));
    expect(after.flat().map((n) => n.payload.note)).toEqual(FANOUT.map(() => "fan-out"));
  });

  it("deletes read notifications past NOTIFICATION_RETENTION_MS, with their deliveries, and keeps the unread ones", async () => {
    const kept = await list(users.reader);
    expect(kept.map((n) => n.payload.jobName).sort()).toEqual(["reader-job-2", "reader-job-4"]);
    expect(kept.every((n) => !n.read)).toBe(true);
    expect(await unread(users.reader)).toBe(2);
    expect(await stack.db.query("SELECT id FROM deliveries WHERE user_id = $1", [users.reader])).toEqual([]);
    expect(await stack.db.query("SELECT id FROM delivery_attempts")).toEqual([]);
  });

  it("caps each user at NOTIFICATION_MAX_PER_USER, the oldest read ones going first", async () => {
    // Read 1, 2, 5, 6; unread 3, 4, 7, 8: all four unread stay, and the newest read one fills the fifth place.
    expect((await stored(users.capped)).map((n) => n.id)).toEqual([cappedIds[2], cappedIds[3], cappedIds[5], cappedIds[6], cappedIds[7]]);
    expect(await unread(users.capped)).toBe(4);
    expect((await list(users.capped)).map((n) => n.read)).toEqual([false, false, true, false, false]);
  });

  it("with more unread than the cap, deletes every read one and then the oldest unread, and tells the user's sockets the new count", async () => {
    expect((await stored(users.flooded)).map((n) => n.id)).toEqual(floodedIds.slice(2, 7));
    expect(await unread(users.flooded)).toBe(CAP);
    await eventually(() => (flooded.unreadCounts.at(-1) === CAP ? true : undefined), 10_000, "flooded's new unread count");
  });

  it("spares a notification whose delivery is still queued, even over the cap", async () => {
    expect((await stored(users.queued)).map((n) => n.id)).toEqual(queuedIds);
    expect(await stack.db.query("SELECT status FROM deliveries WHERE user_id = $1", [users.queued])).toEqual([{ status: "queued" }]);
  });

  it("leaves a pending notification whose event is gone to the router: the digest-scheduler does not take it for a digest", async () => {
    await eventually(
      async () =>
        (
          await stack.db.query("SELECT 1 FROM user_notification_settings WHERE user_id = $1 AND digest_last_sent_at IS NOT NULL", [
            users.digest,
          ])
        ).length
          ? true
          : undefined,
      20_000,
      "the digest run",
    );
    expect(await stack.db.query("SELECT event_type, status FROM notifications WHERE user_id = $1", [users.digest])).toEqual([
      { event_type: "job.completed", status: "pending" },
    ]);
  });

  it("touches nothing else", async () => {
    expect(await stack.db.query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY id", [users.bystander])).toEqual(bystanderBefore);
    expect(await unread(users.bystander)).toBe(2);
  });
});
