import { EVENT_TYPES } from "@herald/contract";
import { api, eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * A tenant's default preferences (operator API on ingest): users who never set
 * their own follow them as they change, users who did keep theirs, and a
 * required type reaches everyone and cannot be switched off. Other tenants
 * are untouched. Real ingest, router and gateway processes.
 */
describe("tenant default preferences", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const acmeAdmin = userToken("ops", "admin", { tenant: "acme" });
  const acmeProducer = producerToken("ci", undefined, "acme");
  const member = (sub: string, tenant = "acme") => userToken(sub, "user", { tenant, email: `${sub}@${tenant}.example` });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
    ]);
  });
  afterAll(() => stack.stop());

  type Entry = { eventType: string; enabled: boolean; channels: string[]; scope: string; required: boolean; isDefault: boolean };
  const tenantDefaults = async (token = acmeAdmin) =>
    (await api(ingest, token, "GET", "/api/v1/admin/tenant/preferences")).body.items as Entry[];
  const setDefault = (type: string, body: unknown, token = acmeAdmin) =>
    api(ingest, token, "PUT", `/api/v1/admin/tenant/preferences/${type}`, body);
  const preferenceOf = async (token: string, type: string) =>
    ((await api(gateway, token, "GET", "/api/v1/notifications/preferences")).body.items as Entry[]).find((e) => e.eventType === type)!;
  const eventIds = async (token: string) =>
    ((await api(gateway, token, "GET", "/api/v1/notifications")).body.items as { eventId: string }[]).map((n) => n.eventId);
  const deliveriesOf = async (userId: string) =>
    (await api(ingest, acmeAdmin, "GET", `/api/v1/admin/deliveries?userId=${userId}`)).body.items as { channel: string }[];
  const send = async (id: string, type: string, ownerUserId: string) =>
    expect((await publish(ingest, acmeProducer, { id, type, payload: { ownerUserId } })).status).toBe(202);
  /** Once this marker event is in the marker user's list, everything published before it is routed (one router, stream order). */
  const settle = async (id: string) => {
    await send(id, "job.submitted", "marker");
    await eventually(async () => ((await eventIds(member("marker"))).includes(id) ? true : undefined), 10_000, id);
  };

  it("lists the catalog's defaults until the tenant sets its own", async () => {
    const items = await tenantDefaults();
    expect(items.map((e) => e.eventType)).toEqual(EVENT_TYPES.map((t) => t.name));
    expect(items.every((e) => e.isDefault)).toBe(true);
    expect(items.find((e) => e.eventType === "job.failed")).toEqual({
      eventType: "job.failed",
      enabled: true,
      channels: ["in_app"],
      scope: "my_jobs",
      required: false,
      isDefault: true,
    });
  });

  it("users without a preference of their own follow the tenant's default as it changes; users with one keep theirs", async () => {
    // Both have used Herald; only u2 set job.failed for themselves.
    expect((await preferenceOf(member("u1"), "job.failed")).channels).toEqual(["in_app"]);
    expect((await api(gateway, member("u2"), "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app"] })).status).toBe(
      200,
    );

    const res = await setDefault("job.failed", { channels: ["in_app", "email"] });
    expect(res).toMatchObject({
      status: 200,
      body: { eventType: "job.failed", channels: ["in_app", "email"], isDefault: false, required: false },
    });
    expect(await preferenceOf(member("u1"), "job.failed")).toMatchObject({ channels: ["in_app", "email"], isDefault: true });
    expect(await preferenceOf(member("u2"), "job.failed")).toMatchObject({ channels: ["in_app"], isDefault: false });
    expect((await preferenceOf(member("u1", "globex"), "job.failed")).channels).toEqual(["in_app"]);

    await send("fail-u1", "job.failed", "u1");
    await send("fail-u2", "job.failed", "u2");
    await settle("marker-1");
    expect((await deliveriesOf("u1")).map((d) => d.channel)).toEqual(["email"]);
    expect(await deliveriesOf("u2")).toEqual([]);

    // Switched off for the tenant: u1 follows, u2 keeps their own.
    expect((await setDefault("job.failed", { enabled: false })).status).toBe(200);
    await send("fail-u1-2", "job.failed", "u1");
    await send("fail-u2-2", "job.failed", "u2");
    await settle("marker-2");
    expect(await eventIds(member("u1"))).toEqual(["fail-u1"]);
    expect((await eventIds(member("u2"))).sort()).toEqual(["fail-u2", "fail-u2-2"]);
  });

  it("a required type reaches users who switched it off, and they cannot switch it off again", async () => {
    expect((await api(gateway, member("u3"), "PUT", "/api/v1/notifications/preferences/job.completed", { enabled: false })).status).toBe(
      200,
    );
    expect((await setDefault("job.completed", { required: true })).body).toMatchObject({ required: true, enabled: true });
    expect(await preferenceOf(member("u3"), "job.completed")).toMatchObject({ enabled: true, required: true });

    await send("done-u3", "job.completed", "u3");
    await settle("marker-3");
    expect(await eventIds(member("u3"))).toContain("done-u3");

    for (const body of [{ enabled: false }, { channels: [] }]) {
      const refused = await api(gateway, member("u3"), "PUT", "/api/v1/notifications/preferences/job.completed", body);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("preference_required");
    }
    // Anything else is theirs to change.
    expect(
      (await api(gateway, member("u3"), "PUT", "/api/v1/notifications/preferences/job.completed", { channels: ["in_app", "email"] }))
        .status,
    ).toBe(200);
    // Another tenant's users may still switch it off.
    expect(
      (await api(gateway, member("u3", "globex"), "PUT", "/api/v1/notifications/preferences/job.completed", { enabled: false })).status,
    ).toBe(200);
  });

  it("a tenant default of scope all makes every user of the tenant hear the type, and no one of another tenant", async () => {
    const watcher = member("watcher");
    const outsider = member("watcher", "globex");
    for (const token of [watcher, outsider]) expect((await eventIds(token)).length).toBe(0);
    expect((await setDefault("job.started", { scope: "all" })).status).toBe(200);
    await send("start-u1", "job.started", "u1");
    await settle("marker-4");
    expect(await eventIds(watcher)).toEqual(["start-u1"]);
    expect(await eventIds(outsider)).toEqual([]);
  });

  it("refuses bad input with a specific 400 (or 403 for a non-admin) and changes nothing", async () => {
    const before = await tenantDefaults();
    const cases: [string, unknown, number, string][] = [
      ["job.exploded", { enabled: true }, 400, "unknown_event_type"],
      ["job.cancelled", {}, 400, "invalid_body"],
      ["job.cancelled", { channels: ["sms"] }, 400, "invalid_body"],
      ["job.cancelled", { scope: "everyone" }, 400, "invalid_body"],
      ["job.cancelled", { required: "yes" }, 400, "invalid_body"],
      ["job.cancelled", { required: true, enabled: false }, 400, "invalid_body"],
      ["job.cancelled", { enabled: true, colour: "red" }, 400, "invalid_body"],
      // job.failed is switched off for acme above: requiring it as it stands would silence it for everyone.
      ["job.failed", { required: true }, 400, "invalid_preference"],
    ];
    for (const [type, body, status, code] of cases) {
      const res = await setDefault(type, body);
      expect({ type, body, status: res.status, code: res.body?.error?.code }).toEqual({ type, body, status, code });
    }
    const notAdmin = await setDefault("job.cancelled", { enabled: false }, member("u1"));
    expect(notAdmin.status).toBe(403);
    expect(await tenantDefaults()).toEqual(before);
  });
});
