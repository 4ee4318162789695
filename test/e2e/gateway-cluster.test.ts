import { publish, RecordingClient, eventually, sleep } from "../support/clients";
import { trackedClient, type TrackedClient } from "../support/herald-client";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Two gateway processes behind the Redis adapter, with ingest and the router:
 * a user's tabs on different gateways, a gateway killed mid-burst, and the
 * seam between catch-up and live delivery seen by raw Socket.IO clients.
 */
describe("realtime gateway cluster: many gateways, lossless reconnects", () => {
  let stack: TestStack;
  const clients: TrackedClient[] = [];
  const raw: RecordingClient[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    // The router migrates the fresh database; the others then find it ready.
    await stack.start("router");
    await Promise.all([
      stack.start("ingest"),
      stack.start("realtime-gateway", { key: "gw1" }),
      stack.start("realtime-gateway", { key: "gw2" }),
    ]);
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
    const res = await publish(stack.service("ingest").url, producerToken(), {
      id,
      type: "job.completed",
      payload: { ownerUserId: owner, jobName: id },
    });
    expect(res.status).toBe(202);
  };

  it("a notification reaches the user's tabs on both gateways, and a read in one tab updates the other", async () => {
    const token = userToken("tabs-user");
    const tab1 = track({ url: stack.service("gw1").url, token });
    const tab2 = track({ url: stack.service("gw2").url, token });
    await Promise.all([tab1.client.ready(), tab2.client.ready()]);
    expect([tab1.client.unreadCount, tab2.client.unreadCount]).toEqual([0, 0]);
    // Both tabs got the toast configuration on connect.
    expect(tab2.client.toastConfig).toMatchObject({ defaultAutoExpireMs: 5000, categories: { system: 5000 } });

    await publishJob("tabs-user", "tabs-1");
    await eventually(() => (tab1.notifications.length && tab2.notifications.length ? true : undefined), 10_000, "both tabs notified");
    expect(tab1.notifications[0]).toMatchObject({ eventId: "tabs-1", title: "Job completed", unreadCount: 1 });
    expect(tab2.notifications[0]!.id).toBe(tab1.notifications[0]!.id);
    expect(tab2.replayed).toEqual([false]);
    expect(tab2.client.unreadCount).toBe(1);

    await tab1.client.markRead(tab1.notifications[0]!.id);
    await eventually(() => (tab2.client.unreadCount === 0 ? true : undefined), 5_000, "tab 2's count drops to 0");
    await eventually(() => (tab1.client.unreadCount === 0 ? true : undefined), 5_000, "tab 1's count drops to 0");

    // And the other way round, through read-all on the second gateway.
    await publishJob("tabs-user", "tabs-2");
    await eventually(() => (tab1.client.unreadCount === 1 && tab2.client.unreadCount === 1 ? true : undefined), 10_000, "both at 1");
    await tab2.client.markAllRead();
    await eventually(() => (tab1.client.unreadCount === 0 ? true : undefined), 5_000, "tab 1 sees read-all from tab 2");
    expect(tab1.notifications.map((n) => n.eventId)).toEqual(["tabs-1", "tabs-2"]);
  });

  it("a client that reconnects with its last id gets what it missed, in order, then live ones", async () => {
    const token = userToken("away-user");
    const first = track({ url: stack.service("gw1").url, token });
    await first.client.ready();
    await publishJob("away-user", "away-1");
    await eventually(() => first.notifications[0], 10_000, "first notification");
    const lastSeen = first.client.lastNotificationId;
    first.client.close();

    for (const id of ["away-2", "away-3", "away-4"]) await publishJob("away-user", id);
    await eventually(async () =>
      (await stack.db.query("SELECT 1 FROM notifications WHERE user_id = 'away-user' AND status = 'delivered'")).length === 4
        ? true
        : undefined,
    );

    const back = track({ url: stack.service("gw2").url, token, lastNotificationId: lastSeen });
    await back.client.ready();
    expect(back.notifications.map((n) => n.eventId)).toEqual(["away-2", "away-3", "away-4"]);
    expect(back.replayed).toEqual([true, true, true]);
    expect(back.caughtUp[0]).toEqual({ lastNotificationId: back.notifications[2]!.id, replayed: 3, truncated: false });
    // Unread counts as they stood when each arrived: 4 unread in all, the last replayed one says so.
    expect(back.notifications.map((n) => n.unreadCount)).toEqual([2, 3, 4]);

    await publishJob("away-user", "away-5");
    await eventually(() => (back.notifications.length === 4 ? true : undefined), 10_000, "live one after catch-up");
    expect(back.notifications[3]).toMatchObject({ eventId: "away-5", unreadCount: 5 });
    expect(back.replayed[3]).toBe(false);
  });

  it("raw sockets connecting mid-burst with a last id get exactly the ids after it, in order, once (server-side seam)", async () => {
    const user = "seam-user";
    const token = userToken(user);
    const reference = new RecordingClient(stack.service("gw1").url, token);
    raw.push(reference);
    await reference.connected();
    const total = 60;
    const burst = (async () => {
      for (let i = 0; i < total; i++) {
        await publishJob(user, `seam-${i}`);
        await sleep(15);
      }
    })();
    // Connect late joiners at staggered points, each claiming the newest id the reference had then.
    const joiners: { client: RecordingClient; after: number }[] = [];
    for (let k = 1; k <= 6; k++) {
      const seen = await eventually(
        () => (reference.notifications.length >= k * 8 ? reference.notifications.at(-1) : undefined),
        20_000,
        `reference at ${k * 8}`,
      );
      const gateway = stack.service(k % 2 ? "gw2" : "gw1").url;
      const client = new RecordingClient(gateway, token, { lastNotificationId: seen.id });
      raw.push(client);
      joiners.push({ client, after: seen.id });
    }
    await burst;
    await eventually(() => (reference.notifications.length === total ? true : undefined), 20_000, "reference has all");
    const all = reference.notifications.map((n) => n.id);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    for (const { client, after } of joiners) {
      const expected = all.filter((id) => id > after);
      await eventually(() => (client.notifications.length >= expected.length ? true : undefined), 10_000, `joiner after ${after}`);
      // The last live one has arrived; a duplicate would have come before it.
      expect(client.notifications.map((n) => n.id)).toEqual(expected);
    }
  });

  it("kill -9 one gateway mid-burst: the client moves to the other with its last id and ends with every notification once, in order", async () => {
    const user = "failover-user";
    const token = userToken(user);
    const tab = track({ url: [stack.service("gw1").url, stack.service("gw2").url], token });
    await tab.client.ready();
    expect(tab.client.url).toBe(stack.service("gw1").url);
    const total = 50;
    const published: string[] = [];
    const burst = (async () => {
      for (let i = 0; i < total; i++) {
        const id = `failover-${i}`;
        await publishJob(user, id);
        published.push(id);
        await sleep(20);
      }
    })();
    await eventually(() => (tab.notifications.length >= 10 ? true : undefined), 20_000, "10 delivered before the kill");
    await stack.service("gw1").kill();
    await burst;
    await eventually(() => (tab.notifications.length >= total ? true : undefined), 20_000, "every notification after failover");
    expect(tab.client.url).toBe(stack.service("gw2").url);
    expect(tab.notifications.map((n) => n.eventId)).toEqual(published);
    const ids = tab.notifications.map((n) => n.id);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(tab.client.status).toBe("live");
    expect(tab.caughtUp.length).toBeGreaterThanOrEqual(2);
  });
});
