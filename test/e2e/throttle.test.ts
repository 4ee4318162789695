import type { NotificationItem } from "@herald/contract";
import { api, eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const WINDOW_MS = 5_000;

/**
 * The per-user throttle with a short window (THROTTLE_WINDOW_MS): past the
 * tenant's limit, non-critical notifications are stored (listed, counted)
 * but not pushed; critical ones still are; when the window is over the
 * scheduler sends one `throttled` summary. Real ingest, router, gateway and
 * scheduler processes.
 */
describe("per-user throttle", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const producer = producerToken("ci", undefined, "acme");
  const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
  const admin = userToken("ops", "admin", { tenant: "acme" });
  const env = { THROTTLE_WINDOW_MS: String(WINDOW_MS), SCHEDULER_TICK_MS: "300" };

  beforeAll(async () => {
    stack = await TestStack.create(env);
    [{ url: ingest }, { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("realtime-gateway"),
      stack.start("router"),
      stack.start("digest-scheduler"),
    ]);
  });
  afterAll(() => stack.stop());

  const settings = (body: unknown, token = admin) => api(ingest, token, "PUT", "/api/v1/admin/tenant/settings", body);

  it("is a tenant setting on the operator API, off by default, with field-level 400s", async () => {
    expect((await api(ingest, admin, "GET", "/api/v1/admin/tenant/settings")).body).toEqual({ maxNotificationsPerUserPerHour: 0 });
    for (const bad of [
      { maxNotificationsPerUserPerHour: -1 },
      { maxNotificationsPerUserPerHour: 1.5 },
      { maxNotificationsPerUserPerHour: "3" },
    ]) {
      const res = await settings(bad);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([{ path: "maxNotificationsPerUserPerHour", message: expect.any(String) }]);
    }
    expect((await settings({ maxNotificationsPerUserPerHour: 3, colour: "red" })).status).toBe(400);
    expect((await settings({ maxNotificationsPerUserPerHour: 3 }, userToken("u", "user", { tenant: "acme" }))).status).toBe(403);
    expect((await api(ingest, admin, "GET", "/api/v1/admin/tenant/settings")).body).toEqual({ maxNotificationsPerUserPerHour: 0 });
    const set = await settings({ maxNotificationsPerUserPerHour: 3 });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ maxNotificationsPerUserPerHour: 3 });
    // Another tenant's stays its own.
    expect((await api(ingest, userToken("ops", "admin", { tenant: "globex" }), "GET", "/api/v1/admin/tenant/settings")).body).toEqual({
      maxNotificationsPerUserPerHour: 0,
    });
  });

  it("past the limit: stored and counted, not pushed; critical still pushed; one summary when the window is over", async () => {
    const socket = new RecordingClient(gateway, admin);
    await socket.connected();
    // Start just after a window begins, so that the whole burst falls in one window.
    await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);
    const burst = Array.from({ length: 5 }, (_, i) => ({
      id: `done-${i}`,
      type: "job.completed",
      payload: { ownerUserId: "ops", jobName: `j${i}` },
    }));
    expect((await publish(ingest, producer, { events: burst }, { path: "/batch" })).status).toBe(202);
    const listed = await eventually(async () => {
      const items = (await api(gateway, admin, "GET", "/api/v1/notifications")).body.items as NotificationItem[];
      return items.length === 5 ? items : undefined;
    });
    expect(listed.every((i) => !i.read)).toBe(true);
    expect((await api(gateway, admin, "GET", "/api/v1/notifications/unread-count")).body).toEqual({ count: 5 });
    const critical = await publish(ingest, platform, {
      id: "gpu-hot",
      type: "system.gpu_critical",
      tenantId: "acme",
      payload: { host: "gpu-7" },
    });
    expect(critical.status).toBe(202);
    await eventually(() => socket.notifications.find((n) => n.type === "system.gpu_critical"), 10_000, "the critical push");
    expect(socket.notifications.filter((n) => n.type === "job.completed").map((n) => n.eventId)).toEqual(["done-0", "done-1", "done-2"]);

    const records = await api(ingest, admin, "GET", "/api/v1/admin/events/done-4/decisions");
    expect(records.body.items).toEqual([
      expect.objectContaining({ userId: "ops", outcome: "throttled", channels: [], reason: expect.stringContaining("limit of 3") }),
    ]);
    expect((await api(ingest, admin, "GET", "/api/v1/admin/events/done-2/decisions")).body.items[0].outcome).toBe("delivered");

    // The window rolls over: the scheduler's next tick sends the summary.
    const summary = await eventually(() => socket.notifications.find((n) => n.type === "throttled"), WINDOW_MS + 10_000, "the summary");
    expect(summary).toMatchObject({ category: "digest", count: 2, title: "2 notifications held back", payload: { held: 2 } });
    expect(summary.unreadCount).toBe(7);
    await sleep(1_000);
    expect(socket.notifications.filter((n) => n.type === "throttled")).toHaveLength(1);
    // The held-back ones were never pushed.
    expect(socket.notifications.filter((n) => n.type === "job.completed")).toHaveLength(3);
    socket.close();
  });
});
