import { api, eventually, publish, RecordingClient } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Tenants on one installation: two organizations with a user "42" each, and
 * the default tenant with one too. Nothing of one reaches another: not
 * notifications, not scope-all subscriptions, not admin alerts, not history,
 * not the operator API. Real ingest, router and gateway processes.
 */
describe("tenants", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;

  const acmeProducer = producerToken("ci", undefined, "acme");
  const globexProducer = producerToken("ci", undefined, "globex");
  const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
  const user = (tenant: string | undefined, sub = "42", role: "user" | "admin" = "user") =>
    userToken(sub, role, { ...(tenant && { tenant }), email: `${sub}@${tenant ?? "default"}.example` });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
    ]);
  });
  afterAll(() => stack.stop());

  const notifications = async (token: string) =>
    (await api(gateway, token, "GET", "/api/v1/notifications")).body.items as { eventId: string; title: string }[];
  const eventIds = async (token: string) => (await notifications(token)).map((n) => n.eventId);
  const arrives = (token: string, eventId: string) =>
    eventually(async () => ((await eventIds(token)).includes(eventId) ? true : undefined), 10_000, eventId);
  /** Publishes `last` after everything else: once it is routed, so is all that came before it (one router, stream order). */
  const routedUpTo = async (token: string, producer: string, id: string) => {
    expect((await publish(ingest, producer, { id, type: "job.completed", payload: { ownerUserId: "marker" } })).status).toBe(202);
    await arrives(token, id);
  };

  it("user 42 of acme hears of acme's event for 42; user 42 of globex and of default do not", async () => {
    // Each user has used the gateway (user rows exist), so "not notified" is routing, not a missing user.
    for (const token of [user("acme"), user("globex"), user(undefined)]) expect((await notifications(token)).length).toBe(0);
    const sockets = [user("acme"), user("globex"), user(undefined)].map((token) => new RecordingClient(gateway, token));
    await Promise.all(sockets.map((s) => s.connected()));
    const res = await publish(ingest, acmeProducer, {
      id: "acme-job-1",
      type: "job.completed",
      payload: { ownerUserId: "42", jobName: "acme-build" },
    });
    expect(res.status).toBe(202);
    await arrives(user("acme"), "acme-job-1");

    await routedUpTo(userToken("marker", "user", { tenant: "globex" }), globexProducer, "globex-marker-1");
    expect(await eventIds(user("globex"))).toEqual([]);
    expect(await eventIds(user(undefined))).toEqual([]);
    expect(await eventIds(user("acme"))).toEqual(["acme-job-1"]);
    // Pushes too: each user's room is their own key.
    expect(sockets.map((s) => s.notifications.map((n) => n.eventId))).toEqual([["acme-job-1"], [], []]);
    sockets.forEach((s) => s.close());

    // And catch-up: reconnecting from cursor 0, each replays their own rows only.
    const catchUp = async (token: string) => {
      const client = new RecordingClient(gateway, token, { lastNotificationId: 0 });
      await eventually(() => (client.named("caught_up").length > 0 ? true : undefined), 10_000, "caught_up");
      client.close();
      return client.notifications.map((n) => n.eventId);
    };
    expect(await catchUp(user("acme"))).toEqual(["acme-job-1"]);
    expect(await catchUp(user("globex"))).toEqual([]);
    expect(await catchUp(user(undefined))).toEqual([]);
  });

  it("scope all hears every event of its own tenant only", async () => {
    const watcher = (tenant: string) => userToken("watcher", "user", { tenant });
    for (const tenant of ["acme", "globex"]) {
      const res = await api(gateway, watcher(tenant), "PUT", "/api/v1/notifications/preferences/job.failed", { scope: "all" });
      expect(res.status).toBe(200);
    }
    expect((await publish(ingest, acmeProducer, { id: "acme-fail-1", type: "job.failed", payload: { ownerUserId: "7" } })).status).toBe(
      202,
    );
    await arrives(watcher("acme"), "acme-fail-1");
    await routedUpTo(userToken("marker", "user", { tenant: "globex" }), globexProducer, "globex-marker-2");
    expect(await eventIds(watcher("globex"))).toEqual([]);
  });

  it("a platform producer's critical alert for acme reaches acme's admins only", async () => {
    const admin = (tenant?: string) => user(tenant, "ops", "admin");
    for (const tenant of ["acme", "globex", undefined]) expect((await notifications(admin(tenant))).length).toBe(0);
    const alert = { id: "disk-acme-1", type: "system.disk_warning", tenantId: "acme", payload: { host: "gpu-07", value: 3 } };
    expect((await publish(ingest, platform, alert)).status).toBe(202);
    await arrives(admin("acme"), "disk-acme-1");

    // A later alert for globex arriving means the acme one was routed long before.
    const later = { id: "disk-globex-1", type: "system.disk_warning", tenantId: "globex", payload: { host: "gpu-09", value: 4 } };
    expect((await publish(ingest, platform, later)).status).toBe(202);
    await arrives(admin("globex"), "disk-globex-1");
    expect(await eventIds(admin("globex"))).toEqual(["disk-globex-1"]);
    expect(await eventIds(admin("acme"))).toEqual(["disk-acme-1"]);
    expect(await eventIds(admin(undefined))).toEqual([]);
  });

  it("a producer naming another tenant is refused with 403 tenant_forbidden, and nothing of its request is enqueued", async () => {
    const before = await stack.streamLength();
    const single = await publish(ingest, acmeProducer, { type: "job.completed", tenantId: "globex", payload: { ownerUserId: "42" } });
    expect(single.status).toBe(403);
    expect(single.body!.error).toMatchObject({ code: "tenant_forbidden", details: [{ path: "tenantId" }] });

    const events = [
      { type: "job.completed", tenantId: "acme", payload: { ownerUserId: "42" } },
      { type: "job.completed", tenantId: "default", payload: { ownerUserId: "42" } },
    ];
    const batch = await publish(ingest, acmeProducer, { events }, { path: "/batch" });
    expect(batch.status).toBe(403);
    expect(batch.body!.error.details).toEqual([{ path: "events.1.tenantId", message: expect.stringContaining("acme") }]);
    expect(await stack.streamLength()).toBe(before);

    // Its own tenant, named or not, is fine.
    expect((await publish(ingest, acmeProducer, { events: [events[0]] }, { path: "/batch" })).status).toBe(202);
  });

  it("two tenants' producers of one name are two producers: the other's reuse of an id is an id_conflict, not a repeat dropped in silence", async () => {
    const event = { id: "nightly-1", type: "job.completed", payload: { ownerUserId: "42" } };
    expect((await publish(ingest, acmeProducer, event)).status).toBe(202);
    expect((await publish(ingest, acmeProducer, event)).status).toBe(202);
    // Same sub "ci", other tenant: another producer, so the id is refused rather than taken for a repeat and dropped.
    const other = await publish(ingest, globexProducer, event);
    expect(other.status).toBe(409);
    expect(other.body!.error.code).toBe("id_conflict");
  });

  it("event history shows an admin their own tenant's events only", async () => {
    const history = async (token: string) =>
      ((await api(gateway, token, "GET", "/api/v1/events")).body.items as { id: string }[]).map((e) => e.id);
    const acme = await history(user("acme", "ops", "admin"));
    expect(acme).toEqual(expect.arrayContaining(["acme-job-1", "acme-fail-1", "disk-acme-1"]));
    expect(acme).not.toContain("disk-globex-1");
    expect(await history(user("globex", "ops", "admin"))).not.toEqual(expect.arrayContaining(["acme-job-1"]));
    expect(await history(user(undefined, "ops", "admin"))).toEqual([]);
    // A plain user sees events that notified them, of their tenant only.
    expect(await history(user("acme"))).toContain("acme-job-1");
    expect(await history(user("globex"))).toEqual([]);
  });

  it("the operator API shows an admin their own tenant's deliveries, and another tenant's delivery is not found", async () => {
    const acmeAdmin = user("acme", "ops", "admin");
    const globexAdmin = user("globex", "ops", "admin");
    const mailer = (tenant: string) => user(tenant, "mailer");
    for (const tenant of ["acme", "globex"]) {
      const res = await api(gateway, mailer(tenant), "PUT", "/api/v1/notifications/preferences/job.completed", {
        channels: ["in_app", "email"],
      });
      expect(res.status).toBe(200);
    }
    expect(
      (await publish(ingest, acmeProducer, { id: "acme-mail-1", type: "job.completed", payload: { ownerUserId: "mailer" } })).status,
    ).toBe(202);
    await arrives(mailer("acme"), "acme-mail-1");

    type Delivery = { id: string; userId: string; channel: string };
    const deliveries = async (token: string, query = "") =>
      (await api(ingest, token, "GET", `/api/v1/admin/deliveries${query}`)).body.items as Delivery[];
    // Admins have deliveries of their own too (critical alerts go by email): the mailer's is the one to look for.
    const delivery = await eventually(
      async () => (await deliveries(acmeAdmin)).find((d) => d.userId === "mailer"),
      10_000,
      "acme's delivery row",
    );
    expect(delivery).toMatchObject({ channel: "email" });
    expect(await deliveries(acmeAdmin, "?userId=mailer")).toEqual([delivery]);

    const globexIds = (await deliveries(globexAdmin)).map((d) => d.id);
    expect(globexIds.length).toBeGreaterThan(0); // globex's own admin alert emails
    expect(globexIds).not.toContain(delivery.id);
    expect(await deliveries(globexAdmin, "?userId=mailer")).toEqual([]);
    expect((await api(ingest, globexAdmin, "GET", `/api/v1/admin/deliveries/${delivery.id}`)).status).toBe(404);
    expect((await api(ingest, globexAdmin, "POST", `/api/v1/admin/deliveries/${delivery.id}/retry`)).status).toBe(404);
    expect((await api(ingest, acmeAdmin, "GET", `/api/v1/admin/deliveries/${delivery.id}`)).status).toBe(200);
  });

  it("an admin provisions users of their own tenant: acme's new admin gets acme's alerts, not globex's", async () => {
    const res = await api(ingest, user("acme", "ops", "admin"), "PUT", "/api/v1/admin/users/lead", { role: "admin" });
    expect(res).toMatchObject({ status: 200, body: { id: "lead", role: "admin" } });
    const lead = user("acme", "lead", "admin");
    for (const [id, tenantId] of [
      ["disk-globex-2", "globex"],
      ["disk-acme-2", "acme"],
    ] as const) {
      const alert = { id, type: "system.disk_warning", tenantId, payload: { host: "gpu-01", value: 2 } };
      expect((await publish(ingest, platform, alert)).status).toBe(202);
    }
    await arrives(lead, "disk-acme-2");
    expect(await eventIds(lead)).toEqual(["disk-acme-2"]);
    // globex's user "lead", who never was provisioned, is no admin anywhere.
    expect(await eventIds(user("globex", "lead"))).toEqual([]);
  });
});
