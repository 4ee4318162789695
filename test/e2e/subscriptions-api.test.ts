import { api, eventually } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Webhook subscriptions' management API on ingest (issue #12): service tokens
 * with `events:subscribe` create, list, read, change and delete their
 * tenant's subscriptions; the tenant's admins list them and pause or resume
 * them. Every refused request is a specific 4xx that changes nothing, and
 * another tenant's ids are 404s. A real ingest process on its own database.
 */
describe("webhook subscriptions API", () => {
  let stack: TestStack;
  let ingest: string;
  const acme = producerToken("billing", ["events:subscribe"], "acme");
  const acmeOther = producerToken("audit", ["events:subscribe"], "acme");
  const globex = producerToken("billing", ["events:subscribe"], "globex");
  const acmeAdmin = userToken("ops", "admin", { tenant: "acme" });
  const globexAdmin = userToken("ops", "admin", { tenant: "globex" });
  const hook = "https://hooks.acme.example/herald";

  beforeAll(async () => {
    stack = await TestStack.create();
    ingest = (await stack.start("ingest")).url;
    // Ingest applies migrations in the background (it publishes without Postgres): wait for its API to have them.
    await eventually(async () => ((await api(ingest, acme, "GET", "/api/v1/subscriptions")).status === 200 ? true : undefined));
  });
  afterAll(() => stack.stop());

  const rowCount = async () => Number((await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM subscriptions`))[0]!.n);
  const version = () => stack.redis.get(stack.names.subscriptionVersionKey);
  const create = (body: unknown, token = acme) => api(ingest, token, "POST", "/api/v1/subscriptions", body);

  describe("who may come in", () => {
    const routes: [string, string][] = [
      ["POST", "/api/v1/subscriptions"],
      ["GET", "/api/v1/subscriptions"],
      ["GET", "/api/v1/subscriptions/sub_x"],
      ["PATCH", "/api/v1/subscriptions/sub_x"],
      ["DELETE", "/api/v1/subscriptions/sub_x"],
    ];
    it.each(routes)(
      "%s %s: 401 without a token, 403 for a user's, a publisher's or a platform token, nothing created",
      async (method, path) => {
        const before = await version();
        const body = { url: hook, eventTypes: ["*"] };
        const none = await fetch(`${ingest}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body),
        });
        expect(none.status).toBe(401);
        const refusedTokens = [
          userToken("alice", "admin", { tenant: "acme" }),
          producerToken("ci", ["events:publish"], "acme"),
          producerToken("monitor", ["events:subscribe"], "*"),
        ];
        for (const token of refusedTokens) {
          const refused = await api(ingest, token, method, path, method === "GET" || method === "DELETE" ? undefined : body);
          expect({ status: refused.status, code: refused.body?.error?.code }).toEqual({ status: 403, code: "forbidden" });
        }
        expect(await rowCount()).toBe(0);
        expect(await version()).toBe(before);
      },
    );
  });

  it("creates a subscription, shows its secret once, and lists and reads it without it", async () => {
    const before = await version();
    const created = await create({
      url: hook,
      eventTypes: ["job.failed", "review.*", "job.failed"],
      filter: { projectId: "p-7", sourceType: "training" },
      description: "billing on failures",
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^sub_[A-Za-z0-9]+$/),
      url: hook,
      eventTypes: ["job.failed", "review.*"],
      filter: { projectId: "p-7", sourceType: "training" },
      description: "billing on failures",
      status: "active",
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await version()).not.toBe(before);
    const { id, secret, ...view } = created.body;

    const listed = await api(ingest, acme, "GET", "/api/v1/subscriptions");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [{ id, ...view }], nextCursor: null });
    // Any subscribing service of the tenant sees the tenant's subscriptions.
    expect((await api(ingest, acmeOther, "GET", "/api/v1/subscriptions")).body.items.map((s: { id: string }) => s.id)).toEqual([id]);

    const one = await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ id, ...view, recentDeliveries: [] });
    expect(JSON.stringify([listed.body, one.body])).not.toContain(secret);

    expect((await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`)).status).toBe(204);
  });

  describe("refuses every malformed body with the field, and creates nothing", () => {
    const valid = { url: hook, eventTypes: ["job.failed"] };
    const cases: [string, unknown, string][] = [
      ["no url", { eventTypes: ["*"] }, "url"],
      ["a url that is not http(s)", { ...valid, url: "ftp://hooks.acme.example/x" }, "url"],
      ["a url that is no URL", { ...valid, url: "hooks" }, "url"],
      ["a url with credentials", { ...valid, url: "https://u:p@hooks.acme.example/" }, "url"],
      ["a loopback url", { ...valid, url: "http://127.0.0.1:8080/hook" }, "url"],
      ["a private url", { ...valid, url: "http://10.1.2.3/hook" }, "url"],
      ["an IPv4-mapped private url", { ...valid, url: "http://[::ffff:192.168.0.1]/hook" }, "url"],
      ["a link-local url", { ...valid, url: "http://169.254.169.254/latest" }, "url"],
      ["no eventTypes", { url: hook }, "eventTypes"],
      ["empty eventTypes", { ...valid, eventTypes: [] }, "eventTypes"],
      ["eventTypes not a list", { ...valid, eventTypes: "job.*" }, "eventTypes"],
      ["an unknown type", { ...valid, eventTypes: ["job.exploded"] }, "eventTypes.0"],
      ["an unknown category", { ...valid, eventTypes: ["job.failed", "jobs.*"] }, "eventTypes.1"],
      ["a bare category", { ...valid, eventTypes: ["job"] }, "eventTypes.0"],
      ["a double wildcard", { ...valid, eventTypes: ["**"] }, "eventTypes.0"],
      ["a pattern that is not text", { ...valid, eventTypes: [7] }, "eventTypes.0"],
      ["too many patterns", { ...valid, eventTypes: Array(51).fill("*") }, "eventTypes"],
      ["an unknown field", { ...valid, secret: "whsec_mine" }, "secret"],
      ["an unknown filter field", { ...valid, filter: { userId: "42" } }, "filter.userId"],
      ["an empty projectId", { ...valid, filter: { projectId: "" } }, "filter.projectId"],
      ["a NUL in sourceType", { ...valid, filter: { sourceType: "a\u0000b" } }, "filter.sourceType"],
      ["a filter that is no object", { ...valid, filter: "p-7" }, "filter"],
      ["a description too long", { ...valid, description: "x".repeat(501) }, "description"],
    ];
    it.each(cases)("%s", async (_name, body, field) => {
      const before = await version();
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_body");
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(await rowCount()).toBe(0);
      expect(await version()).toBe(before);
    });

    it("a body that is not JSON (400) or not declared JSON (415)", async () => {
      const raw = await fetch(`${ingest}/api/v1/subscriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${acme}`, "content-type": "application/json" },
        body: "{url:",
      });
      expect(raw.status).toBe(400);
      expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
      const text = await fetch(`${ingest}/api/v1/subscriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${acme}`, "content-type": "text/plain" },
        body: JSON.stringify(valid),
      });
      expect(text.status).toBe(415);
      expect(await rowCount()).toBe(0);
    });
  });

  it("changes status, patterns, filter and url; refuses bad changes field by field", async () => {
    const { id } = (await create({ url: hook, eventTypes: ["job.*"], filter: { projectId: "p-1" } })).body;
    const patched = await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, {
      status: "paused",
      eventTypes: ["notification.*", "system.gpu_critical"],
      filter: { sourceType: "gpu" },
      url: "https://other.acme.example/in",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      status: "paused",
      eventTypes: ["notification.*", "system.gpu_critical"],
      filter: { sourceType: "gpu" },
      url: "https://other.acme.example/in",
    });

    const bad: [unknown, string][] = [
      [{ status: "stopped" }, "status"],
      [{ eventTypes: ["nope.*"] }, "eventTypes.0"],
      [{ url: "http://192.168.1.1/" }, "url"],
      [{ filter: { team: "x" } }, "filter.team"],
      [{ id: "sub_other" }, "id"],
      [{}, "body"],
    ];
    for (const [body, field] of bad) {
      const res = await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, body);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: "invalid_body" });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect((await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body).toMatchObject(patched.body);

    const resumed = await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, { status: "active" });
    expect(resumed.body.status).toBe("active");
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("deletes: the id is gone after (404 to read, change or delete again)", async () => {
    const { id } = (await create({ url: hook, eventTypes: ["*"] })).body;
    expect((await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`)).status).toBe(204);
    for (const [method, body] of [["GET"], ["PATCH", { status: "paused" }], ["DELETE"]] as const) {
      const res = await api(ingest, acme, method, `/api/v1/subscriptions/${id}`, body);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 404, code: "not_found" });
    }
    expect(await rowCount()).toBe(0);
  });

  it("keeps tenants apart: another tenant's ids are 404s and its lists never show them", async () => {
    const { id } = (await create({ url: hook, eventTypes: ["*"] })).body;
    const theirs = (await create({ url: "https://hooks.globex.example/", eventTypes: ["job.*"] }, globex)).body.id;
    const before = await version();
    for (const [method, body] of [["GET"], ["PATCH", { status: "paused" }], ["DELETE"]] as const) {
      const res = await api(ingest, globex, method, `/api/v1/subscriptions/${id}`, body);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 404, code: "not_found" });
    }
    const adminPatch = await api(ingest, globexAdmin, "PATCH", `/api/v1/admin/subscriptions/${id}`, { status: "paused" });
    expect(adminPatch.status).toBe(404);
    expect((await api(ingest, globex, "GET", "/api/v1/subscriptions")).body.items.map((s: { id: string }) => s.id)).toEqual([theirs]);
    expect((await api(ingest, globexAdmin, "GET", "/api/v1/admin/subscriptions")).body.items.map((s: { id: string }) => s.id)).toEqual([
      theirs,
    ]);
    expect((await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.status).toBe("active");
    expect(await version()).toBe(before);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
    await api(ingest, globex, "DELETE", `/api/v1/subscriptions/${theirs}`);
  });

  it("refuses malformed ids and list parameters (400, naming them)", async () => {
    const badId = await api(ingest, acme, "GET", "/api/v1/subscriptions/42");
    expect({ status: badId.status, code: badId.body.error.code }).toEqual({ status: 400, code: "invalid_id" });
    for (const query of ["limit=0", "limit=201", "cursor=x", "status=active"]) {
      const res = await api(ingest, acme, "GET", `/api/v1/subscriptions?${query}`);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: "invalid_query" });
    }
  });

  it("pages a tenant's list in creation order", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ url: `${hook}/${i}`, eventTypes: ["*"] })).body.id);
    const first = await api(ingest, acme, "GET", "/api/v1/subscriptions?limit=3");
    expect(first.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 3));
    const second = await api(ingest, acme, "GET", `/api/v1/subscriptions?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(second.body.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(3));
    for (const id of ids) await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  describe("operator routes (admin panel)", () => {
    it("lists the tenant's subscriptions without secrets, and pauses and resumes one", async () => {
      const created = (await create({ url: hook, eventTypes: ["job.failed"] })).body;
      const listed = await api(ingest, acmeAdmin, "GET", "/api/v1/admin/subscriptions");
      expect(listed.status).toBe(200);
      const { secret, ...view } = created;
      expect(listed.body).toEqual({ items: [view], nextCursor: null });
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const before = await version();
      const paused = await api(ingest, acmeAdmin, "PATCH", `/api/v1/admin/subscriptions/${created.id}`, { status: "paused" });
      expect({ status: paused.status, state: paused.body.status }).toEqual({ status: 200, state: "paused" });
      expect(await version()).not.toBe(before);
      expect((await api(ingest, acme, "GET", `/api/v1/subscriptions/${created.id}`)).body.status).toBe("paused");
      const resumed = await api(ingest, acmeAdmin, "PATCH", `/api/v1/admin/subscriptions/${created.id}`, { status: "active" });
      expect(resumed.body.status).toBe("active");
      await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${created.id}`);
    });

    it("takes only { status } from an admin of the tenant", async () => {
      const { id } = (await create({ url: hook, eventTypes: ["job.failed"] })).body;
      const before = await version();
      const refusals: [string, unknown, number, string][] = [
        [acmeAdmin, { status: "gone" }, 400, "invalid_body"],
        [acmeAdmin, { url: "https://evil.example/" }, 400, "invalid_body"],
        [acmeAdmin, {}, 400, "invalid_body"],
        [userToken("alice", "user", { tenant: "acme" }), { status: "paused" }, 403, "forbidden"],
        [acme, { status: "paused" }, 403, "forbidden"],
      ];
      for (const [token, body, status, code] of refusals) {
        const res = await api(ingest, token, "PATCH", `/api/v1/admin/subscriptions/${id}`, body);
        expect({ status: res.status, code: res.body.error.code }).toEqual({ status, code });
      }
      const badId = await api(ingest, acmeAdmin, "PATCH", "/api/v1/admin/subscriptions/nope", { status: "paused" });
      expect(badId.status).toBe(400);
      expect((await api(ingest, acmeAdmin, "GET", "/api/v1/admin/subscriptions?limit=x")).status).toBe(400);
      expect((await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.status).toBe("active");
      expect(await version()).toBe(before);
      await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
    });
  });
});
