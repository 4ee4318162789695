import { api, publish, RecordingClient, eventually } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const NOTIFICATIONS = 100;

/**
 * A gateway's own broadcasts (the unread count after a read) reach the
 * user's sockets on other gateways through the Socket.IO Redis adapter's
 * PUBLISH. On a cluster a keyless PUBLISH goes to a random node, which
 * relays it over the cluster bus: two broadcasts sent through different
 * nodes can arrive in either order, and a tab would end on a stale count.
 */
describe("a gateway's broadcasts on a Redis Cluster", () => {
  let stack: TestStack;
  const sockets: RecordingClient[] = [];

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
    sockets.forEach((s) => s.close());
    await stack.stop();
  });

  it("reach the user's socket on another gateway in the order the gateway sent them, as on its own", async () => {
    const token = userToken("reader");
    const here = new RecordingClient(stack.service("gw1").url, token);
    const there = new RecordingClient(stack.service("gw2").url, token);
    sockets.push(here, there);
    await Promise.all([here.connected(), there.connected()]);
    const events = Array.from({ length: NOTIFICATIONS }, (_, i) => ({
      id: `read-${i}`,
      type: "job.completed",
      payload: { ownerUserId: "reader", jobName: `job-${i}` },
    }));
    expect((await publish(stack.service("ingest").url, producerToken(), { events }, { path: "/batch" })).status).toBe(202);
    await eventually(
      () => (here.notifications.length === NOTIFICATIONS && there.notifications.length === NOTIFICATIONS ? true : undefined),
      30_000,
      "every notification on both sockets",
    );

    // Each socket got its count on connect; the broadcasts come after it.
    const [hereBefore, thereBefore] = [here.unreadCounts.length, there.unreadCounts.length];
    const broadcasts = (socket: RecordingClient, before: number) => socket.unreadCounts.slice(before);
    // All at once on the first gateway: it broadcasts each read's count as soon as it has it, many within a millisecond.
    const reads = await Promise.all(
      here.notifications.map((n) => api(stack.service("gw1").url, token, "POST", `/api/v1/notifications/${n.id}/read`)),
    );
    expect(reads.map((r) => r.status)).toEqual(reads.map(() => 204));
    await eventually(
      () =>
        broadcasts(here, hereBefore).length === NOTIFICATIONS && broadcasts(there, thereBefore).length === NOTIFICATIONS ? true : undefined,
      15_000,
      "every count on both sockets",
    );

    // The socket on the sending gateway gets each broadcast as it is sent: the other one must see the same sequence.
    expect(broadcasts(here, hereBefore)).toContain(0);
    expect(broadcasts(there, thereBefore)).toEqual(broadcasts(here, hereBefore));
  });
});
