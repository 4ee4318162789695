import { eventually, publish } from "../support/clients";
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

  beforeAll(async () => {
    stack = await TestStack.create();
    await stack.start("router");
    await Promise.all([stack.start("ingest"), stack.start("realtime-gateway")]);
  });

  afterAll(async () => {
    clients.forEach((c) => c.client.close());
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
});
