import { Queue } from "bullmq";
import { deliveryJobId } from "@herald/dispatch";
import { QUEUES } from "@herald/runtime";
import { api, publish, sleep } from "../support/clients";
import { freePort } from "../support/ports";
import { TestStack } from "../support/stack";
import { keysEverywhere } from "../support/test-redis";
import { producerToken, tokenWithClaims, userToken } from "../support/tokens";

/**
 * The operator side of ingest (issue #4): the bull-board dashboard behind an
 * admin login, the deliveries API with retry of dead letters, and user
 * provisioning. Rows are inserted straight into the suite's database.
 */
describe("ingest operator API", () => {
  let stack: TestStack;
  let ingest: string;
  const admin = userToken("ops", "admin");
  const user = userToken("alice", "user");

  beforeAll(async () => {
    stack = await TestStack.create({ WEBHOOK_MAX_ATTEMPTS: "4", EMAIL_MAX_ATTEMPTS: "2" });
    ingest = (await stack.start("ingest")).url;
  });
  afterAll(() => stack.stop());

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => stack.db.query<T>(text, params);

  async function insertNotification(userId: string): Promise<string> {
    const [event] = await sql<{ id: string }>(
      `INSERT INTO events (id, event_type_id, occurred_at, payload)
       SELECT gen_random_uuid()::text, id, now(), '{}' FROM event_types WHERE name = 'job.failed' RETURNING id`,
    );
    await sql(`INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING`, [userId]);
    const [notification] = await sql<{ id: string }>(
      `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, channels, status)
       VALUES ($1, $2, 'job.failed', 'job', 'Job failed', 'train failed', '{in_app,email,webhook}', 'delivered') RETURNING id::text`,
      [event!.id, userId],
    );
    return notification!.id;
  }

  interface DeliveryFields {
    readonly userId: string;
    readonly channel: "email" | "webhook";
    readonly status: string;
    readonly attempts?: number;
    readonly round?: number;
    readonly lastError?: string | null;
    readonly lastResponse?: string | null;
    readonly destination?: string | null;
    readonly delivered?: boolean;
  }

  async function insertDelivery(fields: DeliveryFields): Promise<string> {
    const notificationId = await insertNotification(fields.userId);
    const [row] = await sql<{ id: string }>(
      `INSERT INTO deliveries (notification_id, user_id, channel, status, attempts, round, last_error, last_response, destination, delivered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10 THEN now() END) RETURNING id::text`,
      [
        notificationId,
        fields.userId,
        fields.channel,
        fields.status,
        fields.attempts ?? 0,
        fields.round ?? 0,
        fields.lastError ?? null,
        fields.lastResponse ?? null,
        fields.destination ?? null,
        fields.delivered ?? false,
      ],
    );
    return row!.id;
  }

  async function deliveryRow(id: string) {
    const [row] = await sql<{ status: string; round: number; last_error: string | null; attempts: number }>(
      `SELECT status, round, last_error, attempts FROM deliveries WHERE id = $1`,
      [id],
    );
    return row;
  }

  const get = (path: string, token: string) => api(ingest, token, "GET", path);

  describe("who may come in", () => {
    // Every row has all three cells: jest would take a missing one for a `done` callback.
    const adminRoutes: [string, string, unknown][] = [
      ["GET", "/api/v1/admin/deliveries", undefined],
      ["GET", "/api/v1/admin/deliveries/1", undefined],
      ["POST", "/api/v1/admin/deliveries/1/retry", undefined],
      ["PUT", "/api/v1/admin/users/newbie", { role: "admin" }],
      ["GET", "/admin/queues", undefined],
      ["GET", "/admin/queues/api/queues", undefined],
    ];

    it.each(adminRoutes)(
      "%s %s: 401 without a token, 403 for a user's or a producer's, and nothing changes",
      async (method, path, body) => {
        const before = await stack.redis.get(stack.names.recipientVersionKey);
        const none = await fetch(`${ingest}${path}`, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(none.status).toBe(401);
        expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
        for (const token of [user, producerToken()]) {
          const refused = await api(ingest, token, method, path, body);
          expect({ status: refused.status, code: refused.body?.error?.code }).toEqual({ status: 403, code: "forbidden" });
        }
        expect(await sql(`SELECT id FROM users WHERE id = 'newbie'`)).toEqual([]);
        expect(await stack.redis.get(stack.names.recipientVersionKey)).toBe(before);
      },
    );

    it("sends a browser without a session from the dashboard to the login form", async () => {
      const res = await fetch(`${ingest}/admin/queues`, { headers: { accept: "text/html" }, redirect: "manual" });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/login");
    });

    it("does not let the dashboard cookie stand in for a bearer token on the JSON API", async () => {
      const cookie = await logIn(admin);
      const res = await fetch(`${ingest}/api/v1/admin/deliveries`, { headers: { cookie } });
      expect(res.status).toBe(401);
    });
  });

  /** Logs in through the form as a browser would and returns the Cookie header to send back. */
  async function logIn(token: string): Promise<string> {
    const res = await fetch(`${ingest}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", origin: ingest },
      body: new URLSearchParams({ token }).toString(),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("herald_admin="));
    expect(setCookie).toBeDefined();
    return setCookie!.split(";")[0]!;
  }

  describe("dashboard login", () => {
    it("serves a login form", async () => {
      const res = await fetch(`${ingest}/admin/login`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      const html = await res.text();
      expect(html).toContain('<form method="post" action="/admin/login">');
      expect(html).toContain('name="token"');
    });

    it("sets an HttpOnly, SameSite=Strict cookie that expires with the token and opens the dashboard", async () => {
      const expiresIn = 3600;
      const token = userToken("ops", "admin", {}, expiresIn);
      const res = await fetch(`${ingest}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        body: new URLSearchParams({ token }).toString(),
        redirect: "manual",
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/queues");
      const setCookie = res.headers.getSetCookie()[0]!;
      expect(setCookie).toMatch(/^herald_admin=[^;]+; Path=\/admin; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
      const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]!);
      expect(Math.abs(expires - (Date.now() + expiresIn * 1000))).toBeLessThan(5_000);

      const cookie = setCookie.split(";")[0]!;
      const page = await fetch(`${ingest}/admin/queues`, { headers: { cookie, accept: "text/html" } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<base href="/admin/queues/"');
      expect(html).toContain("<title>Herald queues</title>");

      const queues = await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie } });
      expect(queues.status).toBe(200);
      const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
      expect(names).toEqual([QUEUES.email, QUEUES.webhook, QUEUES.scheduler].sort());
    });

    it("takes the token as JSON too, and an admin bearer token opens the dashboard without logging in", async () => {
      const res = await fetch(`${ingest}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: `Bearer ${admin}` }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ userId: "ops", expiresAt: expect.stringMatching(/^\d{4}-/) });
      expect(res.headers.getSetCookie()[0]).toMatch(/^herald_admin=/);

      const queues = await get("/admin/queues/api/queues", admin);
      expect(queues.status).toBe(200);
      expect(queues.body.queues).toHaveLength(3);
    });

    it("is for the operator tenant's admins only: it shows every tenant's jobs", async () => {
      const tenantAdmin = userToken("ops", "admin", { tenant: "acme" });
      const login = await fetch(`${ingest}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: tenantAdmin }),
      });
      expect(login.status).toBe(403);
      expect(login.headers.getSetCookie()).toEqual([]);
      expect(((await login.json()) as { error: { message: string } }).error.message).toContain("operator tenant (default)");
      expect((await get("/admin/queues/api/queues", tenantAdmin)).status).toBe(403);
    });

    it("refuses a user's token, a bad one and none, and sets no cookie", async () => {
      const cases: [Record<string, string>, number, string][] = [
        [{ token: user }, 403, "forbidden"],
        [{ token: producerToken() }, 403, "forbidden"],
        [{ token: "not-a-jwt" }, 401, "unauthorized"],
        [{ token: userToken("ops", "admin", {}, -10) }, 401, "unauthorized"],
        [{ token: "  " }, 400, "invalid_body"],
        [{}, 400, "invalid_body"],
        [{ token: admin, extra: "x" }, 400, "invalid_body"],
      ];
      for (const [body, status, code] of cases) {
        const res = await fetch(`${ingest}/admin/login`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(body).toString(),
        });
        const error = ((await res.json()) as { error: { code: string; message: string } }).error;
        expect({ status: res.status, code: error.code }).toEqual({ status, code });
        if (status === 400) expect(error.message).toMatch(/token|extra/);
        expect(res.headers.getSetCookie()).toEqual([]);
      }
      const text = await fetch(`${ingest}/admin/login`, { method: "POST", headers: { "content-type": "text/plain" }, body: admin });
      expect(text.status).toBe(415);
    });

    it("shows a refused login on the form itself to a browser", async () => {
      const res = await fetch(`${ingest}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
        body: new URLSearchParams({ token: user }).toString(),
        redirect: "manual",
      });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('role="alert">an admin token is required</p>');
      expect(html).toContain('name="token"');
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it("refuses a login posted from another site", async () => {
      const res = await fetch(`${ingest}/admin/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
        body: new URLSearchParams({ token: admin }).toString(),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("cross_site_request");
      expect(res.headers.getSetCookie()).toEqual([]);
    });

    it("lets the session change queues only from the dashboard's own pages", async () => {
      const cookie = await logIn(admin);
      const scheduler = new Queue(QUEUES.scheduler, { connection: stack.redis, prefix: stack.names.queuePrefix });
      try {
        const pause = (headers: Record<string, string>) =>
          fetch(`${ingest}/admin/queues/api/queues/${QUEUES.scheduler}/pause`, { method: "PUT", headers: { cookie, ...headers } });
        const foreign: Record<string, string>[] = [
          {},
          { origin: "https://evil.example" },
          { origin: "null" },
          { referer: "https://evil.example/page" },
        ];
        for (const headers of foreign) {
          const refused = await pause(headers);
          expect(refused.status).toBe(403);
          expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("cross_site_request");
        }
        expect(await scheduler.isPaused()).toBe(false);

        expect((await pause({ origin: ingest })).status).toBe(200);
        expect(await scheduler.isPaused()).toBe(true);
        const resume = await fetch(`${ingest}/admin/queues/api/queues/${QUEUES.scheduler}/resume`, {
          method: "PUT",
          headers: { cookie, referer: `${ingest}/admin/queues/queue/${QUEUES.scheduler}` },
        });
        expect(resume.status).toBe(200);
        expect(await scheduler.isPaused()).toBe(false);
      } finally {
        await scheduler.close();
      }
    });

    it("drops an expired session and sends the browser back to the login form", async () => {
      const expired = `herald_admin=${userToken("ops", "admin", {}, -10)}`;
      const page = await fetch(`${ingest}/admin/queues`, { headers: { cookie: expired, accept: "text/html" }, redirect: "manual" });
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/admin/login");
      expect(page.headers.getSetCookie()[0]).toMatch(/^herald_admin=; Path=\/admin; Expires=Thu, 01 Jan 1970/);
      const apiCall = await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie: expired } });
      expect(apiCall.status).toBe(401);
    });

    it("a token planted as the cookie is refused: the cookie holds a session id, never a token", async () => {
      // 401 since the cookie became a session id (it was 403 for a user's token, 200 for an admin's).
      for (const token of [user, admin]) {
        const res = await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie: `herald_admin=${token}` } });
        expect(res.status).toBe(401);
      }
    });

    it("keeps the session in Redis under a hash of the cookie's random id, never the token", async () => {
      const cookie = await logIn(admin);
      const id = cookie.slice("herald_admin=".length);
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(admin).not.toContain(id);
      const keys = await keysEverywhere(stack.redis, `${stack.names.adminSessionKeyPrefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain(id);
        expect(await stack.redis.get(key)).not.toContain(admin);
      }
    });

    it("logout ends the session: the old cookie no longer opens the dashboard, from a browser or a script", async () => {
      const cookie = await logIn(admin);
      expect((await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
      const out = await fetch(`${ingest}/admin/logout`, { method: "POST", headers: { cookie, origin: ingest } });
      expect(out.status).toBe(204);

      // The browser dropped the cookie; someone who kept a copy sends it anyway.
      const page = await fetch(`${ingest}/admin/queues`, { headers: { cookie, accept: "text/html" }, redirect: "manual" });
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/admin/login");
      const apiCall = await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie } });
      expect(apiCall.status).toBe(401);
      expect(((await apiCall.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      const pause = await fetch(`${ingest}/admin/queues/api/queues/${QUEUES.scheduler}/pause`, {
        method: "PUT",
        headers: { cookie, origin: ingest },
      });
      expect(pause.status).toBe(401);
      // Other sessions of the same admin are not affected.
      const other = await logIn(admin);
      expect((await fetch(`${ingest}/admin/queues/api/queues`, { headers: { cookie: other } })).status).toBe(200);
    });

    it("a token without exp cannot log in to the dashboard", async () => {
      const forever = tokenWithClaims({ sub: "ops", role: "admin" }, null);
      // It is a valid admin token otherwise: the bearer API takes it.
      expect((await get("/admin/queues/api/queues", forever)).status).toBe(200);
      for (const accept of ["application/json", "text/html"]) {
        const res = await fetch(`${ingest}/admin/login`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept },
          body: new URLSearchParams({ token: forever }).toString(),
          redirect: "manual",
        });
        expect(res.status).toBe(401);
        expect(await res.text()).toContain("the dashboard needs a token that expires (exp)");
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    });

    it("a session left unused for ADMIN_SESSION_IDLE_SECONDS ends, however long its token lasts", async () => {
      const idle = await stack.start("ingest", { key: "ingest-idle", env: { ADMIN_SESSION_IDLE_SECONDS: "1" } });
      try {
        const res = await fetch(`${idle.url}/admin/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ token: admin }),
        });
        expect(res.status).toBe(200);
        const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
        expect((await fetch(`${idle.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
        await sleep(1_500);
        expect((await fetch(`${idle.url}/admin/queues/api/queues`, { headers: { cookie } })).status).toBe(401);
      } finally {
        await idle.stop();
      }
    });

    it("logs out by clearing the cookie", async () => {
      const res = await fetch(`${ingest}/admin/logout`, {
        method: "POST",
        headers: { cookie: await logIn(admin), accept: "text/html", origin: ingest },
        redirect: "manual",
      });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/login");
      expect(res.headers.getSetCookie()[0]).toMatch(
        /^herald_admin=; Path=\/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/,
      );
      const fromElsewhere = await fetch(`${ingest}/admin/logout`, { method: "POST", headers: { origin: "https://evil.example" } });
      expect(fromElsewhere.status).toBe(403);
    });
  });

  describe("deliveries", () => {
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      // Inserted oldest first: ids grow, so the API lists them in reverse.
      ids.aliceWebhookDead = await insertDelivery({
        userId: "list-alice",
        channel: "webhook",
        status: "dead_lettered",
        attempts: 3,
        lastError: "HTTP 500",
        lastResponse: "500",
        destination: "https://hooks.example/alice",
      });
      ids.aliceEmailDelivered = await insertDelivery({
        userId: "list-alice",
        channel: "email",
        status: "delivered",
        attempts: 1,
        lastResponse: "250 2.0.0 OK",
        destination: "alice@example.com",
        delivered: true,
      });
      ids.bobWebhookQueued = await insertDelivery({ userId: "list-bob", channel: "webhook", status: "queued" });
      ids.bobEmailDead = await insertDelivery({
        userId: "list-bob",
        channel: "email",
        status: "dead_lettered",
        attempts: 2,
        lastError: "550 mailbox unavailable",
      });
      ids.aliceWebhookDelivered = await insertDelivery({
        userId: "list-alice",
        channel: "webhook",
        status: "delivered",
        attempts: 2,
        delivered: true,
      });
      ids.bobWebhookSkipped = await insertDelivery({
        userId: "list-bob",
        channel: "webhook",
        status: "skipped",
        lastError: "no webhook URL",
      });
      const attempts = [
        [1, "failure", 502, null, "HTTP 502", 120],
        [2, "failure", null, null, "timed out after 10000 ms", 10_000],
        [3, "failure", 500, null, "HTTP 500", 95],
      ] as const;
      for (const [attempt, outcome, httpStatus, smtp, error, durationMs] of attempts) {
        await sql(
          `INSERT INTO delivery_attempts (delivery_id, attempt, channel, destination, outcome, http_status, smtp_response, error, duration_ms)
           VALUES ($1, $2, 'webhook', 'https://hooks.example/alice', $3, $4, $5, $6, $7)`,
          [ids.aliceWebhookDead, attempt, outcome, httpStatus, smtp, error, durationMs],
        );
      }
    });

    const listIds = async (query: string) => {
      const res = await get(`/api/v1/admin/deliveries?${query}`, admin);
      expect(res.status).toBe(200);
      return { ids: (res.body.items as { id: string }[]).map((i) => i.id), nextCursor: res.body.nextCursor as string | null };
    };

    it("lists deliveries newest first with every field", async () => {
      const res = await get("/api/v1/admin/deliveries?userId=list-alice", admin);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([
        ids.aliceWebhookDelivered,
        ids.aliceEmailDelivered,
        ids.aliceWebhookDead,
      ]);
      const dead = res.body.items[2];
      expect(dead).toEqual({
        id: ids.aliceWebhookDead,
        notificationId: expect.stringMatching(/^\d+$/),
        userId: "list-alice",
        // A notification's delivery: none of a subscription's fields.
        subscriptionId: null,
        eventId: null,
        replayId: null,
        channel: "webhook",
        status: "dead_lettered",
        destination: "https://hooks.example/alice",
        attempts: 3,
        round: 0,
        lastError: "HTTP 500",
        lastResponse: "500",
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        deliveredAt: null,
      });
      expect(res.body.items[1].deliveredAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
      expect(res.body.nextCursor).toBeNull();
    });

    it("filters by status, channel and user, alone and together", async () => {
      expect((await listIds("status=dead_lettered")).ids).toEqual([ids.bobEmailDead, ids.aliceWebhookDead]);
      expect((await listIds("channel=email")).ids).toEqual([ids.bobEmailDead, ids.aliceEmailDelivered]);
      expect((await listIds("channel=webhook&status=delivered")).ids).toEqual([ids.aliceWebhookDelivered]);
      expect((await listIds("userId=list-bob&channel=webhook")).ids).toEqual([ids.bobWebhookSkipped, ids.bobWebhookQueued]);
      expect((await listIds("status=skipped&userId=list-alice")).ids).toEqual([]);
    });

    it("pages with the cursor, without gaps or repeats", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { ids: string[]; nextCursor: string | null } = await listIds(`limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.ids.length).toBeLessThanOrEqual(2);
        seen.push(...page.ids);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 20);
      const all = Object.values(ids).sort((a, b) => Number(b) - Number(a));
      // Other tests of this suite may have added rows of their own: ours all come, in order.
      expect(seen.filter((id) => all.includes(id))).toEqual(all);
      expect(new Set(seen).size).toBe(seen.length);

      const filtered = await listIds("status=dead_lettered&limit=1");
      expect(filtered.ids).toEqual([ids.bobEmailDead]);
      expect(filtered.nextCursor).toBe(ids.bobEmailDead);
      expect(await listIds(`status=dead_lettered&limit=1&cursor=${filtered.nextCursor}`)).toEqual({
        ids: [ids.aliceWebhookDead],
        nextCursor: null,
      });
    });

    it.each([
      ["status=lost", "status"],
      ["channel=sms", "channel"],
      ["channel=in_app", "channel"],
      ["userId=", "userId"],
      ["userId=a%00b", "userId"],
      ["cursor=abc", "cursor"],
      ["cursor=-5", "cursor"],
      ["cursor=0", "cursor"],
      ["limit=0", "limit"],
      ["limit=201", "limit"],
      ["limit=2.5", "limit"],
      ["limit=ten", "limit"],
      ["status=queued&status=delivered", "status"],
      ["sort=asc", "sort"],
    ])("400 for ?%s, naming %s", async (query, param) => {
      const res = await get(`/api/v1/admin/deliveries?${query}`, admin);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_query");
      expect(res.body.error.message).toContain(param);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([param]);
    });

    it("shows one delivery with every attempt, in order", async () => {
      const res = await get(`/api/v1/admin/deliveries/${ids.aliceWebhookDead}`, admin);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: ids.aliceWebhookDead, status: "dead_lettered", attempts: 3, lastError: "HTTP 500" });
      expect(res.body.attemptLog).toEqual([
        {
          attempt: 1,
          outcome: "failure",
          httpStatus: 502,
          smtpResponse: null,
          error: "HTTP 502",
          durationMs: 120,
          destination: "https://hooks.example/alice",
          createdAt: expect.any(String),
        },
        {
          attempt: 2,
          outcome: "failure",
          httpStatus: null,
          smtpResponse: null,
          error: "timed out after 10000 ms",
          durationMs: 10_000,
          destination: "https://hooks.example/alice",
          createdAt: expect.any(String),
        },
        {
          attempt: 3,
          outcome: "failure",
          httpStatus: 500,
          smtpResponse: null,
          error: "HTTP 500",
          durationMs: 95,
          destination: "https://hooks.example/alice",
          createdAt: expect.any(String),
        },
      ]);
      expect((await get(`/api/v1/admin/deliveries/${ids.bobWebhookQueued}`, admin)).body.attemptLog).toEqual([]);
    });

    it("404 for an unknown delivery, 400 for an id that is not one", async () => {
      const missing = await get("/api/v1/admin/deliveries/987654321", admin);
      expect({ status: missing.status, code: missing.body.error.code }).toEqual({ status: 404, code: "not_found" });
      for (const bad of ["abc", "-1", "0", "1e3", "12345678901234567890"]) {
        const res = await get(`/api/v1/admin/deliveries/${bad}`, admin);
        expect({ status: res.status, code: res.body.error.code, path: res.body.error.details[0].path }).toEqual({
          status: 400,
          code: "invalid_id",
          path: "id",
        });
      }
    });
  });

  describe("retrying a dead letter", () => {
    const queueOf = (name: string) => new Queue(name, { connection: stack.redis, prefix: stack.names.queuePrefix });
    const retry = (id: string) => api(ingest, admin, "POST", `/api/v1/admin/deliveries/${id}/retry`);

    it("puts a dead-lettered webhook delivery back in its queue in a new round", async () => {
      const id = await insertDelivery({
        userId: "retry-carol",
        channel: "webhook",
        status: "dead_lettered",
        attempts: 4,
        round: 0,
        lastError: "HTTP 503",
      });
      const res = await retry(id);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id, status: "queued", round: 1 });
      expect(await deliveryRow(id)).toEqual({ status: "queued", round: 1, last_error: null, attempts: 4 });

      const webhook = queueOf(QUEUES.webhook);
      try {
        const job = await webhook.getJob(deliveryJobId(id, 1));
        expect(job?.data).toEqual({ deliveryId: id, round: 1 });
        expect(job?.opts.attempts).toBe(4);
        expect(await job?.getState()).toBe("waiting");
      } finally {
        await webhook.close();
      }

      // Now queued: a second retry is refused and changes nothing.
      const again = await retry(id);
      expect({ status: again.status, code: again.body.error.code, details: again.body.error.details }).toEqual({
        status: 409,
        code: "not_dead_lettered",
        details: { status: "queued" },
      });
      expect(await deliveryRow(id)).toEqual({ status: "queued", round: 1, last_error: null, attempts: 4 });
    });

    it("uses the email queue for an email delivery, and counts rounds on", async () => {
      const id = await insertDelivery({
        userId: "retry-carol",
        channel: "email",
        status: "dead_lettered",
        attempts: 6,
        round: 2,
        lastError: "550 no such user",
      });
      const res = await retry(id);
      expect(res.body).toEqual({ id, status: "queued", round: 3 });
      const email = queueOf(QUEUES.email);
      const webhook = queueOf(QUEUES.webhook);
      try {
        expect((await email.getJob(deliveryJobId(id, 3)))?.opts.attempts).toBe(2);
        expect(await webhook.getJob(deliveryJobId(id, 3))).toBeUndefined();
      } finally {
        await Promise.all([email.close(), webhook.close()]);
      }
    });

    it("409 for a delivered or skipped delivery, 404 for an unknown one, 400 for a bad id: nothing changes", async () => {
      for (const status of ["delivered", "skipped", "queued"]) {
        const id = await insertDelivery({
          userId: "retry-carol",
          channel: "webhook",
          status,
          attempts: 1,
          delivered: status === "delivered",
        });
        const before = await deliveryRow(id);
        const res = await retry(id);
        expect({ status: res.status, code: res.body.error.code, current: res.body.error.details.status }).toEqual({
          status: 409,
          code: "not_dead_lettered",
          current: status,
        });
        expect(await deliveryRow(id)).toEqual(before);
        const webhook = queueOf(QUEUES.webhook);
        expect(await webhook.getJob(deliveryJobId(id, 1))).toBeUndefined();
        await webhook.close();
      }
      expect((await retry("987654321")).status).toBe(404);
      const bad = await retry("abc");
      expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: "invalid_id" });
    });
  });

  describe("provisioning users", () => {
    const put = (id: string, body: unknown) => api(ingest, admin, "PUT", `/api/v1/admin/users/${encodeURIComponent(id)}`, body);
    const userRow = async (id: string) =>
      (
        await sql<{ id: string; email: string | null; role: string; projects: string[] }>(
          `SELECT id, email, role, projects FROM users WHERE id = $1`,
          [id],
        )
      )[0];
    const version = async () => Number((await stack.redis.get(stack.names.recipientVersionKey)) ?? 0);

    it("creates a user ahead of login and tells routers to reload users", async () => {
      const before = await version();
      const res = await put("dana@corp", { email: "dana@example.com", role: "admin", projects: ["gpu-farm", "vision", "gpu-farm"] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: "dana@corp",
        email: "dana@example.com",
        role: "admin",
        projects: ["gpu-farm", "vision"],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await userRow("dana@corp")).toEqual({
        id: "dana@corp",
        email: "dana@example.com",
        role: "admin",
        projects: ["gpu-farm", "vision"],
      });
      expect(await version()).toBeGreaterThan(before);
    });

    it("updates only the fields given, and null clears the email", async () => {
      await put("erin", { email: "erin@example.com", projects: ["p1"] });
      expect(await userRow("erin")).toEqual({ id: "erin", email: "erin@example.com", role: "user", projects: ["p1"] });
      const before = await version();
      expect((await put("erin", { role: "admin" })).body).toMatchObject({ email: "erin@example.com", role: "admin", projects: ["p1"] });
      expect(await version()).toBeGreaterThan(before);
      expect((await put("erin", { email: null, projects: [] })).body).toMatchObject({ email: null, role: "admin", projects: [] });
      expect(await userRow("erin")).toEqual({ id: "erin", email: null, role: "admin", projects: [] });
    });

    it.each([
      [{ email: "not-an-address" }, "email"],
      [{ email: 42 }, "email"],
      [{ role: "root" }, "role"],
      [{ role: null }, "role"],
      [{ projects: "p1" }, "projects"],
      [{ projects: ["ok", 7] }, "projects.1"],
      [{ projects: [""] }, "projects.0"],
      [{ projects: ["ok", "p\u0000"] }, "projects.1"],
      [{ nickname: "fin" }, "nickname"],
      [["admin"], "body"],
      ["admin", "body"],
    ])("400 for %j, naming %s: nothing stored, routers not disturbed", async (body, field) => {
      await put("fixed", { email: "fixed@example.com", role: "user", projects: ["keep"] });
      const before = await version();
      const res = await put("fixed", body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_body");
      expect(res.body.error.message).toContain(field);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(await userRow("fixed")).toEqual({ id: "fixed", email: "fixed@example.com", role: "user", projects: ["keep"] });
      expect(await version()).toBe(before);
      // And a user that did not exist is not created.
      expect((await put("ghost", body)).status).toBe(400);
      expect(await userRow("ghost")).toBeUndefined();
    });

    it("400 for malformed JSON or an id with control characters, 415 for a body that is not JSON", async () => {
      const raw = (id: string, body: string, contentType: string) =>
        fetch(`${ingest}/api/v1/admin/users/${id}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${admin}`, "content-type": contentType },
          body,
        });
      const malformed = await raw("ghost", '{"role": ', "application/json");
      expect({ status: malformed.status, code: ((await malformed.json()) as { error: { code: string } }).error.code }).toEqual({
        status: 400,
        code: "invalid_json",
      });
      const form = await raw("ghost", "role=admin", "application/x-www-form-urlencoded");
      expect(form.status).toBe(415);
      const control = await raw("gh%01ost", "{}", "application/json");
      const error = ((await control.json()) as { error: { code: string; details: { path: string }[] } }).error;
      expect({ status: control.status, code: error.code, path: error.details[0]!.path }).toEqual({
        status: 400,
        code: "invalid_id",
        path: "id",
      });
      expect(await sql(`SELECT id FROM users WHERE id LIKE 'gh%'`)).toEqual([]);
    });
  });

  describe("outages", () => {
    it("publishing goes on while Postgres is down; the operator API answers 503 and /ready says which", async () => {
      const deadPostgres = `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`;
      // Becomes ready (in rotation for producers) without Postgres: the harness waits for /ready to answer 200.
      const lonely = await stack.start("ingest", { key: "ingest-no-postgres", env: { DATABASE_URL: deadPostgres }, waitFor: "ready" });
      const ready = await fetch(`${lonely.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: "degraded", checks: { redis: true, postgres: false } });

      const before = await stack.streamLength();
      const published = await publish(lonely.url, producerToken(), { type: "job.completed", payload: { ownerUserId: "u1" } });
      expect(published.status).toBe(202);
      expect(await stack.streamLength()).toBe(before + 1);

      const list = await api(lonely.url, admin, "GET", "/api/v1/admin/deliveries");
      expect({ status: list.status, code: list.body.error.code }).toEqual({ status: 503, code: "database_unavailable" });
      // The dashboard needs only Redis.
      expect((await api(lonely.url, admin, "GET", "/admin/queues/api/queues")).status).toBe(200);
      await lonely.stop();
    });

    it("a retry while the queue's Redis is down answers 503 and leaves the dead letter as it was", async () => {
      const id = await insertDelivery({
        userId: "retry-carol",
        channel: "webhook",
        status: "dead_lettered",
        attempts: 4,
        lastError: "HTTP 500",
      });
      const deadRedis = `redis://127.0.0.1:${await freePort()}`;
      // The database is migrated already: the operator API is open at once, and only Redis is missing.
      const lonely = await stack.start("ingest", {
        key: "ingest-no-redis",
        env: { REDIS_URL: deadRedis, REDIS_CLUSTER_NODES: "", MIGRATE_ON_START: "false" },
        waitFor: "health",
      });
      const res = await api(lonely.url, admin, "POST", `/api/v1/admin/deliveries/${id}/retry`);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 503, code: "queue_unavailable" });
      expect(await deliveryRow(id)).toEqual({ status: "dead_lettered", round: 0, last_error: "HTTP 500", attempts: 4 });
      await lonely.stop();
    });
  });
});
