import { api, eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * "Why did / didn't I get this": the router records a decision for every
 * candidate recipient; admins read an event's records, users their own, and
 * a user who was no candidate is told why from the rules. Tenants see their
 * own events only. Real ingest, router and gateway processes.
 */
describe("decision records", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const producer = producerToken("ci", undefined, "acme");
  const platform = producerToken("hardware-monitor", ["events:publish:system.*"], "*");
  const admin = userToken("ops", "admin", { tenant: "acme" });
  const member = (sub: string, projects?: string[]) => userToken(sub, "user", { tenant: "acme", ...(projects && { projects }) });

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }, , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
    ]);
  });
  afterAll(() => stack.stop());

  type Record = { eventId: string; userId: string; relation: string; outcome: string; channels: string[]; reason: string };
  const decisionsOf = async (eventId: string, token = admin) =>
    api(ingest, token, "GET", `/api/v1/admin/events/${encodeURIComponent(eventId)}/decisions`);
  const explain = (token: string, eventId: string) =>
    api(gateway, token, "GET", `/api/v1/notifications/explain?eventId=${encodeURIComponent(eventId)}`);
  const recorded = (eventId: string, count: number) =>
    eventually(
      async () => {
        const res = await decisionsOf(eventId);
        return res.status === 200 && (res.body.items as Record[]).length >= count ? (res.body.items as Record[]) : undefined;
      },
      10_000,
      `${count} decisions for ${eventId}`,
    );
  const put = (token: string, path: string, body: unknown) => api(gateway, token, "PUT", `/api/v1/notifications/${path}`, body);

  it("records one decision per candidate, with its outcome, channels and reason", async () => {
    // Everyone has used Herald; their preferences are set before the event.
    expect((await put(member("muted"), "preferences/job.failed", { channels: [] })).status).toBe(200);
    expect((await put(member("resting"), "settings", { dndEnabled: true })).status).toBe(200);
    expect((await put(member("watcher"), "preferences/job.failed", { scope: "all" })).status).toBe(200);
    expect((await put(member("teammate", ["p1"]), "preferences/job.failed", { scope: "my_projects" })).status).toBe(200);
    expect((await put(member("bystander", ["p1"]), "preferences/job.failed", { channels: ["in_app"] })).status).toBe(200);

    const event = {
      id: "fail-1",
      type: "job.failed",
      projectId: "p1",
      actorUserId: "ci-bot",
      recipients: ["owner", "muted", "resting"],
      payload: { jobName: "etl" },
    };
    expect((await publish(ingest, producer, event)).status).toBe(202);
    const items = await recorded("fail-1", 5);
    const byUser = Object.fromEntries(items.map((r) => [r.userId, r]));
    expect(Object.keys(byUser).sort()).toEqual(["muted", "owner", "resting", "teammate", "watcher"]);
    expect(byUser.owner).toMatchObject({ eventId: "fail-1", relation: "direct", outcome: "delivered", channels: ["in_app"] });
    expect(byUser.muted).toMatchObject({
      relation: "direct",
      outcome: "muted",
      channels: [],
      reason: expect.stringContaining("no channel"),
    });
    expect(byUser.resting).toMatchObject({ relation: "direct", outcome: "held", reason: expect.stringContaining("do-not-disturb") });
    expect(byUser.watcher).toMatchObject({ relation: "other", outcome: "delivered" });
    expect(byUser.teammate).toMatchObject({ relation: "project", outcome: "delivered" });
    // A user explains their own record.
    expect((await explain(member("muted"), "fail-1")).body).toEqual(byUser.muted);
  });

  it("tells a user who was no candidate why, from the rules and their preference now", async () => {
    const res = await explain(member("bystander", ["p1"]), "fail-1");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      eventId: "fail-1",
      outcome: "not_a_recipient",
      reason: expect.stringMatching(/^scope my_jobs: you are not the job's owner/),
    });
    expect((await explain(userToken("ci-bot", "user", { tenant: "acme" }), "fail-1")).body.reason).toMatch(/you performed it/);
  });

  it("a critical alert to an admin in do-not-disturb is a critical_bypass; a required type over a user's own 'off' is required", async () => {
    const ops = userToken("ops", "admin", { tenant: "acme" });
    expect((await put(ops, "settings", { dndEnabled: true })).status).toBe(200);
    expect(
      (
        await publish(ingest, platform, {
          id: "gpu-1",
          type: "system.gpu_critical",
          tenantId: "acme",
          payload: { host: "gpu-07", value: 97 },
        })
      ).status,
    ).toBe(202);
    const [record] = await recorded("gpu-1", 1);
    expect(record).toMatchObject({ userId: "ops", relation: "admin", outcome: "critical_bypass", channels: ["in_app", "email"] });

    expect((await put(member("quiet"), "preferences/job.completed", { enabled: false })).status).toBe(200);
    expect((await api(ingest, admin, "PUT", "/api/v1/admin/tenant/preferences/job.completed", { required: true })).status).toBe(200);
    expect((await publish(ingest, producer, { id: "done-1", type: "job.completed", payload: { ownerUserId: "quiet" } })).status).toBe(202);
    const [required] = await recorded("done-1", 1);
    expect(required).toMatchObject({
      userId: "quiet",
      outcome: "required",
      reason: expect.stringContaining("required by your organization"),
    });
  });

  it("another tenant's event is not found, for its admins and its users; a malformed id is a 400", async () => {
    const globexAdmin = userToken("ops", "admin", { tenant: "globex" });
    expect((await decisionsOf("fail-1", globexAdmin)).status).toBe(404);
    expect((await explain(userToken("owner", "user", { tenant: "globex" }), "fail-1")).status).toBe(404);
    expect((await explain(userToken("owner"), "fail-1")).status).toBe(404);
    expect((await decisionsOf("no-such-event")).status).toBe(404);
    expect((await decisionsOf("bad id!")).status).toBe(400);
    expect((await explain(member("owner"), "bad id!")).status).toBe(400);
    expect((await api(gateway, member("owner"), "GET", "/api/v1/notifications/explain")).status).toBe(400);
    expect((await decisionsOf("fail-1", member("owner"))).status).toBe(403);
  });
});
