import { Webhook } from "standardwebhooks";
import { api, eventually, publish } from "../support/clients";
import { createSubscription, ReceiverPool } from "../support/subscriptions";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

/**
 * Replay of a subscription (issue #12): the tenant's stored events of a
 * window that the subscription matches are delivered again, in `occurredAt`
 * order at the receiver (whatever order they were published in, and though
 * BullMQ runs jobs concurrently), each with `webhook-id`
 * `replay_<replayId>_<eventId>` and `"replayed": true`; events published
 * while the subscription was paused are among them. Windows are bounded.
 */
describe("webhook subscriptions: replay", () => {
  let stack: TestStack;
  let ingest: string;
  const acme = producerToken("billing", ["events:subscribe", "events:publish"], "acme");
  const globex = producerToken("billing", ["events:subscribe", "events:publish"], "globex");
  const receivers = new ReceiverPool();
  const MAX_EVENTS = 6;

  beforeAll(async () => {
    stack = await TestStack.create({
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: "3",
      WEBHOOK_BACKOFF_MS: "100",
      SUBSCRIPTION_REPLAY_MAX_EVENTS: String(MAX_EVENTS),
    });
    [{ url: ingest }] = await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("delivery-worker")]);
    await eventually(async () => ((await api(ingest, acme, "GET", "/api/v1/subscriptions")).status === 200 ? true : undefined));
  });
  afterAll(async () => {
    await receivers.stopAll();
    await stack.stop();
  });

  const receiver = (respond?: (index: number) => number) => receivers.start(respond);
  const subscribe = (url: string, eventTypes: string[], extra: Record<string, unknown> = {}, token = acme) =>
    createSubscription(ingest, token, { url, eventTypes, ...extra });
  const publishAll = async (events: Record<string, unknown>[], token = acme) => {
    const res = await publish(
      ingest,
      token,
      { events: events.map((e) => ({ payload: { ownerUserId: "nobody" }, ...e })) },
      { path: "/batch" },
    );
    expect(res.status).toBe(202);
  };
  const stored = (ids: string[]) =>
    eventually(async () => {
      const rows = await stack.db.query(`SELECT id FROM events WHERE id = ANY($1)`, [ids]);
      return rows.length === ids.length ? true : undefined;
    });
  const replay = (id: string, body: unknown, token = acme) => api(ingest, token, "POST", `/api/v1/subscriptions/${id}/replay`, body);
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 9, minute)).toISOString();

  it("delivers the window's matching events again in occurredAt order, one after another, paused ones included", async () => {
    // The second event in occurredAt order fails once: were the next one sent beside it, it would arrive first.
    const failOnce = new Set<string>();
    const hook = await receiver();
    hook.respond = (index) => {
      const id = JSON.parse(hook.requests[index]!.body).id as string;
      if (id === "r-b" && !failOnce.has(id)) {
        failOnce.add(id);
        return 500;
      }
      return 200;
    };
    const { id, secret } = await subscribe(hook.url(), ["job.*"], { filter: { projectId: "p-1" } });
    // Live deliveries first, to be told apart from the replay's.
    await publishAll([
      { id: "r-c", type: "job.completed", projectId: "p-1", occurredAt: at(3) },
      { id: "r-a", type: "job.started", projectId: "p-1", occurredAt: at(1) },
      { id: "r-out-of-filter", type: "job.started", projectId: "p-2", occurredAt: at(2) },
      { id: "r-not-a-job", type: "review.comment", projectId: "p-1", occurredAt: at(2) },
      { id: "r-too-late", type: "job.failed", projectId: "p-1", occurredAt: at(30) },
    ]);
    await eventually(() => (hook.requests.length === 3 ? true : undefined), 15_000, "live deliveries");
    await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, { status: "paused" });
    await publishAll([
      { id: "r-b", type: "job.failed", projectId: "p-1", occurredAt: at(2) },
      { id: "r-d", type: "job.progress", projectId: "p-1", occurredAt: at(4) },
    ]);
    await publishAll([{ id: "r-globex", type: "job.failed", projectId: "p-1", occurredAt: at(2) }], globex);
    await stored(["r-b", "r-d", "r-globex"]);
    await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, { status: "active" });
    const live = hook.requests.length;
    expect(live).toBe(3);

    const res = await replay(id, { from: at(0), to: at(10) });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ replayId: expect.stringMatching(/^[A-Za-z0-9]{20}$/), events: 4 });
    const { replayId } = res.body;
    await eventually(() => (hook.requests.length === live + 5 ? true : undefined), 15_000, "the replay");
    const replayed = hook.requests.slice(live);
    expect(replayed.map((r) => JSON.parse(r.body).id)).toEqual(["r-a", "r-b", "r-b", "r-c", "r-d"]);
    expect(replayed.map((r) => r.headers["webhook-id"])).toEqual(["r-a", "r-b", "r-b", "r-c", "r-d"].map((e) => `replay_${replayId}_${e}`));
    for (const request of replayed) {
      const body = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as Record<string, unknown>;
      expect(body).toMatchObject({ replayed: true, tenantId: "acme", projectId: "p-1" });
    }
    // Live deliveries carry no `replayed`.
    expect(hook.requests.slice(0, live).every((r) => !("replayed" in JSON.parse(r.body)))).toBe(true);
    const outcomes = await eventually(async () => {
      const items = (await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.recentDeliveries as {
        replayId: string | null;
        status: string;
      }[];
      const mine = items.filter((o) => o.replayId === replayId);
      return mine.length === 4 && mine.every((o) => o.status === "delivered") ? mine : undefined;
    });
    expect(outcomes).toHaveLength(4);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("narrows by the request's eventTypes, within the subscription's", async () => {
    const hook = await receiver();
    const { id } = await subscribe(hook.url(), ["review.*"]);
    await publishAll([
      { id: "n-approved", type: "review.approved", occurredAt: at(41) },
      { id: "n-comment", type: "review.comment", occurredAt: at(42) },
      { id: "n-job", type: "job.failed", occurredAt: at(43) },
    ]);
    await eventually(() => (hook.requests.length === 2 ? true : undefined), 15_000, "live deliveries");
    const res = await replay(id, { from: at(40), to: at(50), eventTypes: ["review.comment", "job.*"] });
    expect(res.body.events).toBe(1);
    await eventually(() => (hook.requests.length === 3 ? true : undefined), 15_000, "the replay");
    expect(JSON.parse(hook.requests[2]!.body)).toMatchObject({ id: "n-comment", replayed: true });
    const empty = await replay(id, { from: at(55), to: at(56) });
    expect(empty).toEqual({ status: 202, body: { replayId: expect.any(String), events: 0 } });
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("refuses bad windows and too many events with a 400 naming the field, replaying nothing", async () => {
    const hook = await receiver();
    const { id } = await subscribe(hook.url(), ["system.*"]);
    const many = Array.from({ length: MAX_EVENTS + 1 }, (_, i) => ({ id: `m-${i}`, type: "system.restart", occurredAt: at(20) }));
    await publishAll(many);
    await eventually(() => (hook.requests.length === many.length ? true : undefined), 15_000, "live deliveries");
    const deliveries = async () => Number((await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM deliveries`))[0]!.n);
    const before = await deliveries();
    const cases: [unknown, string, string][] = [
      [{ from: at(10), to: at(5) }, "to", "invalid_body"],
      [{ from: "2026-11-01T00:00:00Z", to: "2026-11-09T00:00:01Z" }, "to", "invalid_body"],
      [{ from: "yesterday", to: at(5) }, "from", "invalid_body"],
      [{ to: at(5) }, "from", "invalid_body"],
      [{ from: at(1), to: at(5), eventTypes: ["nope.*"] }, "eventTypes.0", "invalid_body"],
      [{ from: at(1), to: at(5), order: "desc" }, "order", "invalid_body"],
      [{ from: at(0), to: at(59) }, "to", "replay_too_large"],
    ];
    for (const [body, field, code] of cases) {
      const res = await replay(id, body);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(await deliveries()).toBe(before);
    // A narrower replay of the same window is within the bound.
    expect((await replay(id, { from: at(0), to: at(59), eventTypes: ["system.gpu_critical"] })).body.events).toBe(0);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("goes on with a replay whose worker died between two deliveries (the sweeper queues the next)", async () => {
    const hook = await receiver();
    const { id } = await subscribe(hook.url(), ["collab.*"]);
    await publishAll([
      { id: "s-1", type: "collab.lock", occurredAt: at(11) },
      { id: "s-2", type: "collab.lock", occurredAt: at(12) },
      { id: "s-3", type: "collab.lock", occurredAt: at(13) },
    ]);
    await eventually(() => (hook.requests.length === 3 ? true : undefined), 15_000, "live deliveries");
    await stack.service("delivery-worker").stop();
    const { replayId } = (await replay(id, { from: at(10), to: at(14) })).body;
    // As if a worker had delivered the first and died before queueing the second.
    await stack.db.query(
      `UPDATE deliveries SET status = 'delivered', updated_at = now() - interval '1 minute' WHERE replay_id = $1 AND replay_seq = 1`,
      [replayId],
    );
    await stack.start("delivery-worker", { env: { DELIVERY_SWEEP_INTERVAL_MS: "200", DELIVERY_SWEEP_AGE_MS: "1000" } });
    await eventually(() => (hook.requests.length === 5 ? true : undefined), 15_000, "the rest of the replay");
    expect(hook.requests.slice(3).map((r) => r.headers["webhook-id"])).toEqual([`replay_${replayId}_s-2`, `replay_${replayId}_s-3`]);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("another tenant's subscription is a 404, and so is a deleted one", async () => {
    const hook = await receiver();
    const { id } = await subscribe(hook.url(), ["*"]);
    const body = { from: at(0), to: at(10) };
    expect((await replay(id, body, globex)).status).toBe(404);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
    expect((await replay(id, body)).status).toBe(404);
    expect((await replay("bad id", body)).status).toBe(400);
  });
});
