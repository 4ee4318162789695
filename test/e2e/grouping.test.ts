import type { NotificationItem, NotificationMessage } from "@herald/contract";
import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const WINDOW_MS = 3_000;

/**
 * Grouping: events of one user, type and groupKey within GROUP_WINDOW_MS
 * (short here) while unread are one notification, updated in place and
 * pushed again with the same id; job.progress is one notification per job.
 * Two router processes with one-entry batches share the stream, so a group's
 * events are stored by both. Real ingest, routers and gateway.
 */
describe("grouping", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const producer = producerToken("ci");
  const routerEnv = { GROUP_WINDOW_MS: String(WINDOW_MS), ROUTER_BATCH_SIZE: "1" };

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("realtime-gateway"),
      stack.start("router", { key: "router-a", env: { ...routerEnv, ROUTER_CONSUMER_NAME: "router-a" } }),
      stack.start("router", { key: "router-b", env: { ...routerEnv, ROUTER_CONSUMER_NAME: "router-b" } }),
    ]);
  });
  afterAll(() => stack.stop());

  const list = async (token: string) =>
    (await api(gateway, token, "GET", "/api/v1/notifications?limit=100")).body.items as NotificationItem[];
  const unread = async (token: string) => (await api(gateway, token, "GET", "/api/v1/notifications/unread-count")).body.count as number;
  const completed = (user: string, groupKey: string | undefined, jobName: string) => ({
    type: "job.completed",
    projectId: "p-7",
    ...(groupKey !== undefined && { groupKey }),
    payload: { ownerUserId: user, jobName },
  });
  const countOf = (token: string, count: number) =>
    eventually(async () => {
      const items = await list(token);
      return items.length > 0 && items.every((i) => i.count !== undefined) && items.reduce((n, i) => n + i.count!, 0) === count
        ? items
        : undefined;
    }, 15_000);

  it("five events of one group are one notification: count, summary, latest items, the same id pushed, the unread count at 1", async () => {
    const token = userToken("alice");
    const socket = new RecordingClient(gateway, token);
    await socket.connected();
    await publish(ingest, producer, completed("alice", "nightly", "job-0"));
    const first = await eventually(() => socket.notifications[0], 10_000, "the first push");
    expect(first).toMatchObject({ count: 1, title: "Job completed", unreadCount: 1 });
    // Separate requests, one entry per batch: the two routers share them.
    for (let i = 1; i < 5; i++) expect((await publish(ingest, producer, completed("alice", "nightly", `job-${i}`))).status).toBe(202);
    const [item] = await countOf(token, 5);
    expect(item).toMatchObject({ id: first.id, count: 5, title: "5 jobs completed in p-7", read: false });
    expect((item!.payload as { items: unknown[] }).items).toHaveLength(5);
    expect(await unread(token)).toBe(1);
    // Every push is of the one id, the count growing, the unread count staying.
    const last = await eventually(() => socket.notifications.find((n) => n.count === 5), 10_000, "the push of count 5");
    expect(new Set(socket.notifications.map((n: NotificationMessage) => n.id))).toEqual(new Set([first.id]));
    expect(last.unreadCount).toBe(1);
    expect(socket.notifications.map((n) => n.unreadCount)).toEqual(socket.notifications.map(() => 1));
    socket.close();
  });

  it("different keys, different types and no key at all are apart", async () => {
    const token = userToken("bob");
    await publish(ingest, producer, completed("bob", "a", "x"));
    await publish(ingest, producer, completed("bob", "b", "y"));
    await publish(ingest, producer, { ...completed("bob", "a", "z"), type: "job.failed" });
    await publish(ingest, producer, completed("bob", undefined, "plain-1"));
    await publish(ingest, producer, completed("bob", undefined, "plain-2"));
    await publish(ingest, producer, completed("bob", "a", "w"));
    const items = await countOf(token, 6);
    expect(items.map((i) => [i.type, i.count]).sort()).toEqual([
      ["job.completed", 1],
      ["job.completed", 1],
      ["job.completed", 1],
      ["job.completed", 2],
      ["job.failed", 1],
    ]);
    expect(await unread(token)).toBe(5);
  });

  it("read, then a new event of the group: a new notification", async () => {
    const token = userToken("carol");
    await publish(ingest, producer, completed("carol", "g", "1"));
    await publish(ingest, producer, completed("carol", "g", "2"));
    const [grouped] = await countOf(token, 2);
    expect((await api(gateway, token, "POST", `/api/v1/notifications/${grouped!.id}/read`)).status).toBe(204);
    await publish(ingest, producer, completed("carol", "g", "3"));
    const items = await countOf(token, 3);
    expect(items.map((i) => [i.count, i.read])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(await unread(token)).toBe(1);
  });

  it("the window's edge: an event after GROUP_WINDOW_MS from the group's first opens a new notification", async () => {
    const token = userToken("dave");
    await publish(ingest, producer, completed("dave", "w", "1"));
    const [opened] = await countOf(token, 1);
    await publish(ingest, producer, completed("dave", "w", "2"));
    await countOf(token, 2);
    await sleep(Date.parse(opened!.createdAt) + WINDOW_MS + 200 - Date.now());
    await publish(ingest, producer, completed("dave", "w", "3"));
    const items = await countOf(token, 3);
    expect(items.map((i) => i.count)).toEqual([1, 2]);
    expect(await unread(token)).toBe(2);
  });

  it("100 progress reports of a job are one notification with the last value", async () => {
    const token = userToken("erin");
    const start = Date.now();
    const events = Array.from({ length: 100 }, (_, i) => ({
      type: "job.progress",
      occurredAt: new Date(start + i).toISOString(),
      source: { type: "job", id: "train-1" },
      payload: { ownerUserId: "erin", jobName: "train", percent: i + 1 },
    }));
    // The first half in one request, the rest one by one; two routers store them in whatever order, the latest by occurredAt speaks.
    expect((await publish(ingest, producer, { events: events.slice(0, 50) }, { path: "/batch" })).status).toBe(202);
    for (const e of events.slice(50)) await publish(ingest, producer, e);
    const [item] = await countOf(token, 100);
    expect(item).toMatchObject({ count: 100, title: "Job progress", body: "train is 100% done", payload: { percent: 100 } });
    const rows = await stack.db.query(`SELECT id FROM notifications WHERE user_id = 'erin'`);
    expect(rows).toHaveLength(1);
  });

  it("at most one external message per group and window; decision records say grouped", async () => {
    const token = userToken("frank");
    expect(
      (await api(gateway, token, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "email"] })).status,
    ).toBe(200);
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { email: "frank@example.com" })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await publish(ingest, producer, { id: `frank-fail-${i}`, type: "job.failed", groupKey: "etl", payload: { ownerUserId: "frank" } });
    }
    const [item] = await countOf(token, 3);
    const deliveries = await stack.db.query<{ channel: string }>(`SELECT channel FROM deliveries WHERE notification_id = $1`, [item!.id]);
    expect(deliveries).toEqual([{ channel: "email" }]);
    // Whichever of the two routers stored one first opened the group.
    const outcomes = await stack.db.query<{ outcome: string }>(
      `SELECT outcome FROM decision_records WHERE user_id = 'frank' ORDER BY outcome`,
    );
    expect(outcomes.map((o) => o.outcome)).toEqual(["delivered", "grouped", "grouped"]);
  });
});
