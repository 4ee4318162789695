import { readFileSync } from "node:fs";
import type { ListPage, NotificationMessage } from "@herald/contract";
import { api, eventually, publish, RecordingClient } from "../support/clients";
import { trackedClient, type TrackedClient } from "../support/herald-client";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Catch-up across a reconnect, seen by @herald/client and raw Socket.IO
 * clients: the cursor of a user who had nothing yet, rows committed late
 * below a client's cursor, and catch-ups and list pages of large notifications.
 */
describe("realtime gateway catch-up", () => {
  let stack: TestStack;
  const clients: TrackedClient[] = [];
  const raw: RecordingClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    await stack.start("router");
    await Promise.all([stack.start("ingest"), stack.start("realtime-gateway")]);
  });

  afterAll(async () => {
    clients.forEach((c) => c.client.close());
    raw.forEach((c) => c.close());
    await stack.stop();
  });

  const track = (options: Parameters<typeof trackedClient>[0]) => {
    const c = trackedClient(options);
    clients.push(c);
    return c;
  };

  const publishJob = async (owner: string, id: string) => {
    const res = await publish(stack.service("ingest").url, producerToken(), { id, type: "job.completed", payload: { ownerUserId: owner } });
    expect(res.status).toBe(202);
  };

  const delivered = (userId: string, count: number) =>
    eventually(
      async () =>
        (await stack.db.query("SELECT 1 FROM notifications WHERE user_id = $1 AND status = 'delivered'", [userId])).length === count
          ? true
          : undefined,
      10_000,
      `${count} delivered to ${userId}`,
    );

  /** Stops the gateway, runs `whileDown`, and starts it again on the same port: its clients reconnect to it. */
  const restartGateway = async (whileDown: () => Promise<void>) => {
    const gateway = stack.service("realtime-gateway");
    await gateway.stop();
    await whileDown();
    await gateway.spawn();
  };

  it("a user with no notification yet gets, after a reconnect, everything created while away", async () => {
    const user = "fresh-user";
    const tab = track({ url: stack.service("realtime-gateway").url, token: userToken(user) });
    await tab.client.ready();
    // Nothing to replay and nothing stored: the cursor is 0, not "none".
    expect(tab.caughtUp[0]).toEqual({ lastNotificationId: 0, replayed: 0, truncated: false });

    await restartGateway(async () => {
      await eventually(() => (tab.client.status === "reconnecting" ? true : undefined), 5_000, "client notices");
      for (let i = 1; i <= 5; i++) await publishJob(user, `fresh-${i}`);
      await delivered(user, 5);
    });

    await eventually(() => (tab.caughtUp.length === 2 ? true : undefined), 10_000, "caught up after the reconnect");
    expect(tab.notifications.map((n) => n.eventId)).toEqual(["fresh-1", "fresh-2", "fresh-3", "fresh-4", "fresh-5"]);
    expect(tab.replayed).toEqual([true, true, true, true, true]);
    expect(tab.caughtUp[1]).toMatchObject({ replayed: 5, truncated: false, lastNotificationId: tab.notifications[4]!.id });
  });

  /**
   * Stores a notification under an id taken earlier, as a router does whose
   * INSERT took the id before another router's rows and whose COMMIT came after them.
   */
  const commitLate = async (userId: string, id: number, eventId: string) => {
    await stack.db.query(
      `INSERT INTO events (id, event_type_id, payload, occurred_at)
       VALUES ($1, (SELECT id FROM event_types WHERE name = 'job.completed'), jsonb_build_object('ownerUserId', $2::text), now())`,
      [eventId, userId],
    );
    await stack.db.query(
      `INSERT INTO notifications (id, event_id, user_id, event_type, category, title, body, status, channels)
       VALUES ($1, $2, $3, 'job.completed', 'job', 'Job completed', 'late', 'delivered', '{in_app}')`,
      [id, eventId, userId],
    );
  };
  const takeId = async () =>
    Number((await stack.db.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('notifications', 'id')) AS id"))[0]!.id);

  it("a notification committed below the client's cursor while it was away arrives on its reconnect, once", async () => {
    const user = "late-user";
    const token = userToken(user);
    const tab = track({ url: stack.service("realtime-gateway").url, token });
    await tab.client.ready();
    // A router takes an id, then another router stores and pushes three newer ones.
    const lateId = await takeId();
    for (const id of ["late-a", "late-b", "late-c"]) await publishJob(user, id);
    await eventually(() => (tab.notifications.length === 3 ? true : undefined), 10_000, "three live");
    const cursor = tab.client.lastNotificationId!;
    expect(cursor).toBeGreaterThan(lateId);

    // The client is away when the first router finally commits (its push reaches nobody).
    await restartGateway(() => commitLate(user, lateId, "late-0"));
    await eventually(() => (tab.caughtUp.length === 2 ? true : undefined), 10_000, "caught up after the reconnect");
    expect(tab.notifications.map((n) => n.eventId)).toEqual(["late-a", "late-b", "late-c", "late-0"]);
    expect(tab.replayed).toEqual([false, false, false, true]);
    // Only that one was sent again: the client listed what it had (seenIds).
    expect(tab.caughtUp[1]).toEqual({ lastNotificationId: cursor, replayed: 1, truncated: false });

    // Seen by raw Socket.IO clients: with seenIds the gateway fills the hole; without, it replays after the cursor only.
    const listed = tab.notifications.filter((n) => n.eventId !== "late-0").map((n) => n.id);
    const floor = tab.caughtUp[0]!.lastNotificationId;
    const withList = new RecordingClient(stack.service("realtime-gateway").url, token, {
      lastNotificationId: cursor,
      seenIds: [...listed.reverse(), floor],
    });
    const without = new RecordingClient(stack.service("realtime-gateway").url, token, { lastNotificationId: cursor });
    raw.push(withList, without);
    await eventually(() => (withList.named("caught_up").length && without.named("caught_up").length ? true : undefined));
    expect(withList.notifications.map((n) => n.id)).toEqual([lateId]);
    expect(without.notifications).toEqual([]);
  });

  /** Notifications with `bytes` of payload each, stored directly (ingest caps payloads; Postgres does not). */
  const insertLarge = async (userId: string, count: number, bytes: number) => {
    await stack.db.query("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [userId]);
    await stack.db.query(
      `INSERT INTO events (id, event_type_id, payload, occurred_at)
       SELECT $1 || '-' || g, (SELECT id FROM event_types WHERE name = 'job.completed'),
              jsonb_build_object('ownerUserId', $1::text, 'blob', repeat(md5(g::text), $3 / 32)), now()
       FROM generate_series(1, $2) AS g`,
      [userId, count, bytes],
    );
    await stack.db.query(
      `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, status, channels)
       SELECT $1 || '-' || g, $1, 'job.completed', 'job', 'Large ' || g, 'large', 'delivered', '{in_app}'
       FROM generate_series(1, $2) AS g ORDER BY g`,
      [userId, count],
    );
    const rows = await stack.db.query<{ id: string }>("SELECT id FROM notifications WHERE user_id = $1 ORDER BY id", [userId]);
    return rows.map((r) => Number(r.id));
  };

  /** The gateway's resident memory, sampled until stopped: the peak, in MiB. */
  const sampleRss = (pid: number) => {
    const read = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
    const before = read();
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, read())), 20);
    return {
      before,
      stop: () => {
        clearInterval(timer);
        return Math.max(peak, read());
      },
    };
  };

  it("bounds a catch-up and a list page in bytes: the newest that fit, truncated / nextCursor, and memory stays flat", async () => {
    const user = "large-user";
    const ids = await insertLarge(user, 100, 900_000);
    const gateway = stack.service("realtime-gateway");
    const rss = sampleRss(gateway.pid!);

    // Ten catch-ups at once from before all of them (90 MB of payloads each, unbounded).
    const sockets = Array.from({ length: 10 }, () => new RecordingClient(gateway.url, userToken(user), { lastNotificationId: 0 }));
    raw.push(...sockets);
    await eventually(
      () => (sockets.every((s) => s.named("caught_up").length > 0 || s.named("gateway_error").length > 0) ? true : undefined),
      60_000,
      "every catch-up over",
    );
    const peak = rss.stop();
    const outcomes = sockets.map((s) => ({
      caughtUp: s.named("caught_up")[0],
      errors: s.named("gateway_error"),
      bytes: s.notifications.reduce((sum, n) => sum + Buffer.byteLength(JSON.stringify(n)), 0),
      ids: s.notifications.map((n: NotificationMessage) => n.id),
    }));
    const catchUpMaxBytes = 2 * 1024 * 1024;
    for (const o of outcomes) {
      expect(o.errors).toEqual([]);
      // The newest that fit in GATEWAY_CATCH_UP_MAX_BYTES (2 MiB: two of these), oldest first; the client is told to reload.
      expect(o.ids).toEqual(ids.slice(-2));
      expect(o.caughtUp).toEqual({ lastNotificationId: ids.at(-1), replayed: 2, truncated: true });
      expect(o.bytes).toBeLessThanOrEqual(catchUpMaxBytes);
    }

    // The list, one page at a time: each within GATEWAY_PAGE_MAX_BYTES (1 MiB: one of these), every one listed once.
    const listed: number[] = [];
    let largestPage = 0;
    let cursor: string | null = null;
    do {
      const res = await fetch(`${gateway.url}/api/v1/notifications?limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
        headers: { authorization: `Bearer ${userToken(user)}` },
      });
      const text = await res.text();
      largestPage = Math.max(largestPage, Buffer.byteLength(text));
      const page = JSON.parse(text) as ListPage;
      listed.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
    } while (cursor !== null && listed.length <= ids.length);
    expect(listed).toEqual([...ids].reverse());
    expect(largestPage).toBeLessThanOrEqual(1024 * 1024);
    // Small notifications still come many to a page.
    await insertLarge("small-user", 30, 64);
    expect((await api(gateway.url, userToken("small-user"), "GET", "/api/v1/notifications?limit=25")).body.items).toHaveLength(25);

    console.log(
      `10 catch-ups of 100 x 900 KB: ${outcomes[0]!.bytes} bytes sent per socket, gateway RSS ${rss.before.toFixed(0)} MiB before, ` +
        `${peak.toFixed(0)} MiB at peak; list: ${listed.length} items, largest page ${largestPage} bytes`,
    );
    // Before the byte budgets, this took the gateway from ~180 MiB to ~2.4 GB.
    expect(peak - rss.before).toBeLessThan(300);
  });
});
