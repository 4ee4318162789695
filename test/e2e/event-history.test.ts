import { api, eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/** GET /api/v1/events: history a user may see, filtered and paged. */
describe("event history", () => {
  let stack: TestStack;
  let gateway: string;
  const alice = userToken("hist-alice", "user", { projects: ["p-moon"] });
  const admin = userToken("hist-admin", "admin");

  beforeAll(async () => {
    stack = await TestStack.create();
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway")]);
    gateway = stack.service("realtime-gateway").url;
    await api(gateway, alice, "GET", "/api/v1/events"); // registers alice with her projects
    const events = [
      {
        id: "h-own-job",
        type: "job.completed",
        occurredAt: "2026-11-01T10:00:00Z",
        source: { type: "job", id: "j1" },
        payload: { ownerUserId: "hist-alice" },
      },
      {
        id: "h-acted",
        type: "review.approved",
        occurredAt: "2026-11-02T10:00:00Z",
        actorUserId: "hist-alice",
        payload: { contentOwnerUserId: "bob" },
      },
      { id: "h-project", type: "job.failed", occurredAt: "2026-11-03T10:00:00Z", projectId: "p-moon", payload: { ownerUserId: "bob" } },
      {
        id: "h-other",
        type: "job.failed",
        occurredAt: "2026-11-04T10:00:00Z",
        projectId: "p-sun",
        source: { type: "job", id: "j9" },
        payload: { ownerUserId: "bob" },
      },
    ];
    expect((await publish(stack.service("ingest").url, producerToken(), { events }, { path: "/batch" })).status).toBe(202);
    await eventually(async () => ((await stack.db.query("SELECT id FROM events")).length === 4 ? true : undefined));
  });
  afterAll(() => stack.stop());

  const ids = (body: { items: { id: string }[] }) => body.items.map((e) => e.id);

  it("shows a user the events that notified them, that they performed, or from their projects; admins see all", async () => {
    expect(ids((await api(gateway, alice, "GET", "/api/v1/events")).body)).toEqual(["h-project", "h-acted", "h-own-job"]);
    expect(ids((await api(gateway, admin, "GET", "/api/v1/events")).body)).toEqual(["h-other", "h-project", "h-acted", "h-own-job"]);
    expect(ids((await api(gateway, userToken("stranger"), "GET", "/api/v1/events")).body)).toEqual([]);
  });

  it("filters by type, time and source, and pages with a cursor", async () => {
    expect(ids((await api(gateway, admin, "GET", "/api/v1/events?type=job.failed")).body)).toEqual(["h-other", "h-project"]);
    expect(ids((await api(gateway, admin, "GET", "/api/v1/events?from=2026-11-02T00:00:00Z&to=2026-11-04T00:00:00Z")).body)).toEqual([
      "h-project",
      "h-acted",
    ]);
    expect(ids((await api(gateway, admin, "GET", "/api/v1/events?sourceType=job&sourceId=j9")).body)).toEqual(["h-other"]);
    const first = await api(gateway, admin, "GET", "/api/v1/events?limit=3");
    expect(ids(first.body)).toEqual(["h-other", "h-project", "h-acted"]);
    const second = await api(gateway, admin, "GET", `/api/v1/events?limit=3&cursor=${first.body.nextCursor}`);
    expect(ids(second.body)).toEqual(["h-own-job"]);
    expect(second.body.nextCursor).toBeNull();
    expect(second.body.items[0]).toMatchObject({
      type: "job.completed",
      category: "job",
      critical: false,
      source: { type: "job", id: "j1" },
      occurredAt: "2026-11-01T10:00:00.000Z",
    });
  });

  it("answers 400 naming each bad parameter", async () => {
    const res = await api(gateway, admin, "GET", "/api/v1/events?type=job.nope&from=yesterday&limit=500&colour=red");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_query");
    for (const field of ["type", "from", "limit", "colour"]) expect(res.body.error.message).toContain(field);
    expect((await api(gateway, admin, "GET", "/api/v1/events?from=2026-11-05T00:00:00Z&to=2026-11-01T00:00:00Z")).status).toBe(400);
    expect((await fetch(`${gateway}/api/v1/events`)).status).toBe(401);
  });
});
