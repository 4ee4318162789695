import type { HeraldEvent, NotificationItem } from "@herald/contract";
import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Links and actions: events carry `url` and `actions`, validated at ingest;
 * notifications (REST and socket) carry them; acting on one marks it read and
 * puts one `notification.action` event on the bus however often the user
 * acts, which the router stores for subscriptions and routes to no user.
 * Real ingest, gateway and router processes; the router starts late, so the
 * stream is seen as the gateway left it.
 */
describe("links and actions", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const producer = producerToken("ci", undefined, "acme");
  const owner = userToken("owner", "user", { tenant: "acme" });
  const other = userToken("other", "user", { tenant: "acme" });
  const sameNameElsewhere = userToken("owner", "user", { tenant: "globex" });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, { url: gateway }] = await Promise.all([stack.start("ingest"), stack.start("realtime-gateway")]);
  });
  afterAll(() => stack.stop());

  const streamEvents = async (): Promise<HeraldEvent[]> =>
    (await stack.redis.xrange(stack.names.eventStream, "-", "+")).map(([, fields]) => JSON.parse(fields[1]!) as HeraldEvent);

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["a javascript: url", { url: "javascript:alert(1)" }, "url", /http\(s\) URL or a path/],
    ["a data: url", { url: "data:text/html,<script>x</script>" }, "url", /http\(s\) URL or a path/],
    ["a protocol-relative url (another host)", { url: "//evil.example/login" }, "url", /another host/],
    ["a url with credentials", { url: "https://user:pw@ci.example/" }, "url", /credentials/],
    ["four actions", { actions: [1, 2, 3, 4].map((i) => ({ id: `a${i}`, label: "Go" })) }, "actions", /at most 3 actions/],
    ["an action id with a space", { actions: [{ id: "do it", label: "Go" }] }, "actions.0.id", /a-z, 0-9/],
    ["an action label over 40 characters", { actions: [{ id: "go", label: "x".repeat(41) }] }, "actions.0.label", /at most 40/],
    [
      "two actions with one id",
      {
        actions: [
          { id: "go", label: "Go" },
          { id: "go", label: "Again" },
        ],
      },
      "actions",
      /must not repeat/,
    ],
    ["a groupKey over 200 characters", { groupKey: "g".repeat(201) }, "groupKey", /at most 200/],
  ])("refuses %s with a field-level 400 and enqueues nothing", async (_name, fields, path, message) => {
    const res = await publish(ingest, producer, { type: "review.submitted", payload: { reviewerUserIds: ["owner"] }, ...fields });
    expect(res.status).toBe(400);
    expect(res.body!.error.details).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    expect(await stack.streamLength()).toBe(0);
  });

  it("refuses a producer's notification.action: only Herald publishes those", async () => {
    const res = await publish(ingest, producer, { type: "notification.action", payload: {} });
    expect(res.status).toBe(400);
    expect(res.body!.error.details).toEqual([{ path: "type", message: "is published by Herald itself, not by producers" }]);
  });

  it("carries url and actions to the socket and the list; acting marks read and publishes one notification.action", async () => {
    const socket = new RecordingClient(gateway, owner);
    await socket.connected();
    const event = {
      id: "review-9",
      type: "review.submitted",
      url: "/reviews/9",
      actions: [
        { id: "approve", label: "Approve" },
        { id: "reject", label: "Reject" },
      ],
      payload: { contentOwnerUserId: "author", reviewerUserIds: ["owner"] },
    };
    expect((await publish(ingest, producer, event)).status).toBe(202);
    // The router starts now: what the gateway publishes below is seen on the stream before it routes.
    await stack.start("router");
    const pushed = await eventually(() => socket.notifications[0], 10_000, "the push");
    expect(pushed).toMatchObject({ url: "/reviews/9", actions: event.actions, count: 1, unreadCount: 1 });
    const list = await api(gateway, owner, "GET", "/api/v1/notifications");
    const [item] = list.body.items as NotificationItem[];
    expect(item).toMatchObject({ id: pushed.id, url: "/reviews/9", actions: event.actions, count: 1, read: false });

    const act = (token: string, id: number | string, action: string) =>
      api(gateway, token, "POST", `/api/v1/notifications/${id}/actions/${action}`);
    // Not theirs, not a button it has, not an action id at all, another tenant's user of the same name.
    expect((await act(other, pushed.id, "approve")).status).toBe(404);
    expect((await act(sameNameElsewhere, pushed.id, "approve")).status).toBe(404);
    expect((await act(owner, pushed.id, "escalate")).status).toBe(404);
    expect((await act(owner, pushed.id, "Bad!")).status).toBe(400);
    expect((await act(owner, 99999999, "approve")).status).toBe(404);

    await stack.service("router").stop();
    const before = (await streamEvents()).length;
    const first = await act(owner, pushed.id, "approve");
    expect(first.status).toBe(202);
    expect((await act(owner, pushed.id, "approve")).status).toBe(202);
    const published = (await streamEvents()).slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      id: first.body.eventId,
      type: "notification.action",
      tenantId: "acme",
      actorUserId: "owner",
      payload: { notificationId: pushed.id, eventId: "review-9", actionId: "approve", userId: "owner" },
    });
    expect((await api(gateway, owner, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 0 });
    expect(socket.unreadCounts.at(-1)).toBe(0);

    // The router stores it (for subscriptions and history) and notifies no one of it.
    await stack.start("router");
    const [stored] = await eventually(async () => {
      const rows = await stack.db.query<{ id: string; tenant_id: string; payload: unknown }>(
        `SELECT e.id, e.tenant_id, e.payload FROM events e JOIN event_types t ON t.id = e.event_type_id WHERE t.name = 'notification.action'`,
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(stored).toMatchObject({ id: first.body.eventId, tenant_id: "acme", payload: { actionId: "approve" } });
    await sleep(300);
    const notified = await stack.db.query(`SELECT id FROM notifications WHERE event_type = 'notification.action'`);
    expect(notified).toEqual([]);
    socket.close();
  });
});
