import { QUEUES } from "@herald/runtime";
import { api, eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * `GET /api/v1/admin/stats`: a tenant's delivery figures per channel and per
 * event type, and the installation's backlog. Real ingest, router and gateway
 * processes; no delivery-worker, so external deliveries stay queued.
 */
describe("admin statistics", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const admin = userToken("ops", "admin", { tenant: "acme" });
  const dana = userToken("dana", "user", { tenant: "acme", email: "dana@acme.example" });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
    ]);
  });
  afterAll(() => stack.stop());

  const stats = (query = "", token = admin) => api(ingest, token, "GET", `/api/v1/admin/stats${query}`);

  it("counts the tenant's notifications per channel and per type, with read rates and the backlog", async () => {
    expect(
      (await api(gateway, dana, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "email"] })).status,
    ).toBe(200);
    const producer = producerToken("ci", undefined, "acme");
    for (const [id, type] of [
      ["done-1", "job.completed"],
      ["fail-1", "job.failed"],
      ["fail-2", "job.failed"],
    ] as const) {
      expect((await publish(ingest, producer, { id, type, payload: { ownerUserId: "dana" } })).status).toBe(202);
    }
    type Item = { id: string; eventId: string };
    const items = await eventually(
      async () => {
        const list = (await api(gateway, dana, "GET", "/api/v1/notifications")).body.items as Item[];
        return list.length === 3 ? list : undefined;
      },
      10_000,
      "dana's notifications",
    );
    const done = items.find((n) => n.eventId === "done-1")!;
    expect((await api(gateway, dana, "POST", `/api/v1/notifications/${done.id}/read`)).status).toBe(204);
    // Another tenant's traffic is not counted for acme.
    expect(
      (await publish(ingest, producerToken("ci", undefined, "globex"), { type: "job.completed", payload: { ownerUserId: "dana" } })).status,
    ).toBe(202);

    const body = await eventually(
      async () => {
        const res = await stats();
        const inApp = (res.body.channels as { channel: string; delivered: number }[]).find((c) => c.channel === "in_app");
        // And the router has drained the stream (globex's event too): nothing read but unacknowledged, nothing unread.
        const { routerPending, routerLag } = res.body.backlog;
        return inApp?.delivered === 3 && routerPending === 0 && routerLag === 0 ? res.body : undefined;
      },
      10_000,
      "all three pushed",
    );
    expect(body.channels).toEqual([
      {
        channel: "email",
        queued: 2,
        delivered: 0,
        deadLettered: 0,
        skipped: 0,
        successRate: null,
        p50DeliveryMs: null,
        p95DeliveryMs: null,
      },
      {
        channel: "in_app",
        queued: 0,
        delivered: 3,
        deadLettered: 0,
        skipped: 0,
        successRate: 1,
        p50DeliveryMs: expect.any(Number),
        p95DeliveryMs: expect.any(Number),
      },
    ]);
    expect(body.eventTypes).toEqual([
      { eventType: "job.completed", created: 1, read: 1, readRate: 1 },
      { eventType: "job.failed", created: 2, read: 0, readRate: 0 },
    ]);
    expect(body.backlog).toMatchObject({ streamLength: expect.any(Number), routerPending: 0, routerLag: 0 });
    expect(body.backlog.queues).toMatchObject({ [QUEUES.email]: { waiting: 2 } });

    const globex = await stats("", userToken("ops", "admin", { tenant: "globex" }));
    expect(globex.body.eventTypes).toEqual([{ eventType: "job.completed", created: 1, read: 0, readRate: 0 }]);
    // A window before any of it holds nothing.
    const before = await stats("?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
    expect(before.body).toMatchObject({ channels: [], eventTypes: [], from: "2020-01-01T00:00:00.000Z", to: "2020-01-02T00:00:00.000Z" });
  });

  it.each([
    ["?from=yesterday", "from"],
    ["?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["?tenant=globex", "tenant"],
  ])("refuses %s with a field-level 400", async (query, field) => {
    const res = await stats(query);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain(field);
  });

  it("is for admins only", async () => {
    expect((await stats("", dana)).status).toBe(403);
  });
});
