import { Webhook } from "standardwebhooks";
import { tenantKey } from "@herald/contract";
import { validateEvent } from "@herald/contract/schemas";
import { api, eventually, publish, RecordingClient } from "../support/clients";
import { WebhookReceiver, type ReceivedRequest } from "../support/receivers";
import { createSubscription, ReceiverPool } from "../support/subscriptions";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * Webhook subscriptions receive their tenant's matching events (issue #12):
 * signed per Standard Webhooks with their own secret, retried like user
 * webhooks, never another tenant's, not while paused, never after delete,
 * and Herald's own `notification.action` too. Real ingest, router,
 * delivery-worker and gateway processes and real HTTP receivers.
 *
 * "Nothing arrives" is shown without waiting on a clock: a marker event
 * published after it, to a subscription that does get it, is delivered; the
 * router stores and matches the stream in order, so by then the first
 * event's deliveries would exist, and the database shows it has none.
 */
describe("webhook subscriptions: delivery", () => {
  let stack: TestStack;
  let ingest: string;
  let gateway: string;
  const acme = producerToken("billing", ["events:subscribe", "events:publish"], "acme");
  const globex = producerToken("billing", ["events:subscribe", "events:publish"], "globex");
  const acmeAdmin = userToken("ops", "admin", { tenant: "acme" });
  const receivers = new ReceiverPool();

  beforeAll(async () => {
    stack = await TestStack.create({ WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", WEBHOOK_MAX_ATTEMPTS: "3", WEBHOOK_BACKOFF_MS: "100" });
    [{ url: ingest }, , , { url: gateway }] = await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("delivery-worker"),
      stack.start("realtime-gateway"),
    ]);
    await eventually(async () => ((await api(ingest, acme, "GET", "/api/v1/subscriptions")).status === 200 ? true : undefined));
  });
  afterAll(async () => {
    await receivers.stopAll();
    await stack.stop();
  });

  const receiver = (respond?: (index: number) => number) => receivers.start(respond);

  const subscribe = (url: string, eventTypes: string[], extra: Record<string, unknown> = {}, token = acme) =>
    createSubscription(ingest, token, { url, eventTypes, ...extra });

  let seq = 0;
  async function emit(type: string, extra: Record<string, unknown> = {}, token = acme): Promise<string> {
    const id = `ev-${++seq}-${type}`;
    const res = await publish(ingest, token, { id, type, payload: { ownerUserId: "nobody", n: seq }, ...extra });
    expect(res.status).toBe(202);
    return id;
  }

  const bodiesOf = (r: WebhookReceiver) => r.requests.map((q) => JSON.parse(q.body) as Record<string, any>);
  const arrived = (r: WebhookReceiver, eventId: string) =>
    eventually(() => r.requests.find((q) => JSON.parse(q.body).id === eventId), 15_000, `delivery of ${eventId}`);
  const deliveriesOfEvent = async (eventId: string) =>
    stack.db.query<{ subscription_id: string }>(`SELECT subscription_id FROM deliveries WHERE event_id = $1`, [eventId]);

  function verify(request: ReceivedRequest, secret: string): Record<string, any> {
    return new Webhook(secret).verify(request.body, {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    }) as Record<string, any>;
  }

  it("delivers a matching event once, signed with the subscription's secret, as the contract's body", async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url(), ["job.failed"]);
    const eventId = await emit("job.failed", {
      occurredAt: "2026-12-01T10:00:00.000Z",
      actorUserId: "ci",
      projectId: "p-7",
      source: { type: "training", id: "run-3" },
    });
    const request = await arrived(hook, eventId);
    expect(request.headers["webhook-id"]).toBe(eventId);
    expect(verify(request, secret)).toEqual({
      id: eventId,
      type: "job.failed",
      tenantId: "acme",
      occurredAt: "2026-12-01T10:00:00.000Z",
      actorUserId: "ci",
      projectId: "p-7",
      source: { type: "training", id: "run-3" },
      payload: { ownerUserId: "nobody", n: seq },
    });
    const otherSecret = `whsec_${Buffer.from("another secret, 32 bytes long!!").toString("base64")}`;
    expect(() => verify(request, otherSecret)).toThrow();

    // The outcome shows on the subscription and in the operator's deliveries.
    const shown = await eventually(async () => {
      const res = await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`);
      return res.body.recentDeliveries[0]?.status === "delivered" ? res.body.recentDeliveries : undefined;
    });
    expect(shown).toEqual([
      expect.objectContaining({ eventId, replayId: null, status: "delivered", attempts: 1, lastResponse: "200", lastError: null }),
    ]);
    const listed = await api(ingest, acmeAdmin, "GET", "/api/v1/admin/deliveries?channel=subscription");
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        subscriptionId: id,
        eventId,
        channel: "subscription",
        status: "delivered",
        notificationId: null,
        userId: null,
      }),
    ]);
    expect(hook.requests).toHaveLength(1);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("matches exact types, categories and *, then the filter", async () => {
    const exact = await receiver();
    const category = await receiver();
    const all = await receiver();
    const project = await receiver();
    const source = await receiver();
    const subs = [
      await subscribe(exact.url(), ["review.approved"]),
      await subscribe(category.url(), ["review.*", "review.approved"]),
      await subscribe(all.url(), ["*"]),
      await subscribe(project.url(), ["*"], { filter: { projectId: "p-1" } }),
      await subscribe(source.url(), ["job.*"], { filter: { projectId: "p-1", sourceType: "training" } }),
    ];
    const approved = await emit("review.approved", { projectId: "p-1" });
    const comment = await emit("review.comment", { projectId: "p-2" });
    const jobInP1 = await emit("job.completed", { projectId: "p-1", source: { type: "training", id: "r" } });
    const jobOtherSource = await emit("job.completed", { projectId: "p-1", source: { type: "eval", id: "r" } });
    const last = await emit("system.restart", { projectId: "p-1" });
    await arrived(all, last);
    await arrived(project, last);
    const idsOf = (r: WebhookReceiver) => bodiesOf(r).map((b) => b.id);
    await eventually(() => (idsOf(exact).length === 1 && idsOf(category).length === 2 && idsOf(source).length === 1 ? true : undefined));
    expect(idsOf(exact)).toEqual([approved]);
    // Listed under review.* and review.approved: delivered once.
    expect(idsOf(category).sort()).toEqual([approved, comment].sort());
    expect(idsOf(all).sort()).toEqual([approved, comment, jobInP1, jobOtherSource, last].sort());
    expect(idsOf(project).sort()).toEqual([approved, jobInP1, jobOtherSource, last].sort());
    expect(idsOf(source)).toEqual([jobInP1]);
    expect((await deliveriesOfEvent(comment)).map((d) => d.subscription_id).sort()).toEqual([subs[1]!.id, subs[2]!.id].sort());
    for (const s of subs) await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${s.id}`);
  });

  it("pause: nothing delivered; resume: delivered again; delete: never again (each from the next event on)", async () => {
    const hook = await receiver();
    const markers = await receiver();
    const { id } = await subscribe(hook.url(), ["job.*"]);
    const marker = await subscribe(markers.url(), ["system.restart"]);

    const before = await emit("job.started");
    await arrived(hook, before);

    expect((await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, { status: "paused" })).status).toBe(200);
    const whilePaused = await emit("job.started");
    await arrived(markers, await emit("system.restart"));
    expect(await deliveriesOfEvent(whilePaused)).toEqual([]);

    expect((await api(ingest, acme, "PATCH", `/api/v1/subscriptions/${id}`, { status: "active" })).status).toBe(200);
    const resumed = await emit("job.started");
    await arrived(hook, resumed);

    expect((await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`)).status).toBe(204);
    const afterDelete = await emit("job.started");
    await arrived(markers, await emit("system.restart"));
    expect(await deliveriesOfEvent(afterDelete)).toEqual([]);
    expect(bodiesOf(hook).map((b) => b.id)).toEqual([before, resumed]);
    // Its deliveries went with it.
    expect(await stack.db.query(`SELECT id FROM deliveries WHERE subscription_id = $1`, [id])).toEqual([]);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${marker.id}`);
  });

  it("retries a failing receiver with the same webhook-id until it answers, the attempts on record", async () => {
    const hook = await receiver((i) => (i < 2 ? 500 : 200));
    const { id } = await subscribe(hook.url(), ["job.failed"]);
    const eventId = await emit("job.failed");
    await eventually(() => (hook.requests.length === 3 ? true : undefined), 15_000, "three attempts");
    expect(hook.requests.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId, eventId]);
    const outcome = await eventually(async () => {
      const [o] = (await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.recentDeliveries;
      return o?.status === "delivered" ? o : undefined;
    });
    expect(outcome).toMatchObject({ eventId, attempts: 3, lastResponse: "200" });
    const detail = await api(ingest, acmeAdmin, "GET", `/api/v1/admin/deliveries/${outcome.deliveryId}`);
    expect(detail.body.attemptLog.map((a: { outcome: string; httpStatus: number }) => [a.outcome, a.httpStatus])).toEqual([
      ["failure", 500],
      ["failure", 500],
      ["success", 200],
    ]);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("dead-letters after the last attempt; the operator's retry delivers it", async () => {
    let up = false;
    const hook = await receiver(() => (up ? 200 : 503));
    const { id } = await subscribe(hook.url(), ["job.cancelled"]);
    const eventId = await emit("job.cancelled");
    const dead = await eventually(async () => {
      const [o] = (await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.recentDeliveries;
      return o?.status === "dead_lettered" ? o : undefined;
    }, 15_000);
    expect(dead).toMatchObject({ attempts: 3, lastResponse: "503", lastError: "HTTP 503" });
    up = true;
    const retried = await api(ingest, acmeAdmin, "POST", `/api/v1/admin/deliveries/${dead.deliveryId}/retry`);
    expect(retried).toEqual({ status: 202, body: { id: dead.deliveryId, status: "queued", round: 1 } });
    await eventually(async () => {
      const [o] = (await api(ingest, acme, "GET", `/api/v1/subscriptions/${id}`)).body.recentDeliveries;
      return o?.status === "delivered" ? o : undefined;
    });
    expect(hook.requests.map((r) => r.headers["webhook-id"])).toEqual([eventId, eventId, eventId, eventId]);
    // Another tenant's admin cannot see or retry it.
    const globexAdmin = userToken("ops", "admin", { tenant: "globex" });
    expect((await api(ingest, globexAdmin, "GET", `/api/v1/admin/deliveries/${dead.deliveryId}`)).status).toBe(404);
    expect((await api(ingest, globexAdmin, "POST", `/api/v1/admin/deliveries/${dead.deliveryId}/retry`)).status).toBe(404);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });

  it("delivers once an event the router reads twice (a crashed router's batch is read again), and counts it in the statistics", async () => {
    const hook = await receiver();
    const markers = await receiver();
    const { id } = await subscribe(hook.url(), ["job.completed"]);
    const marker = await subscribe(markers.url(), ["system.restart"]);
    const validated = validateEvent(
      { id: "twice-1", type: "job.completed", payload: { ownerUserId: "nobody" } },
      { now: new Date(), producer: tenantKey("acme", "billing"), tenant: "acme" },
    );
    if (!validated.ok) throw new Error("test event invalid");
    const entry = JSON.stringify(validated.event);
    // Two entries of one event: the second is what a router that died before acknowledging leaves to the next.
    await stack.redis.xadd(stack.names.eventStream, "*", "event", entry);
    await stack.redis.xadd(stack.names.eventStream, "*", "event", entry);
    await arrived(hook, "twice-1");
    await stack.redis.xadd(stack.names.eventStream, "*", "event", entry);
    await arrived(markers, await emit("system.restart"));
    expect(await deliveriesOfEvent("twice-1")).toEqual([{ subscription_id: id }]);
    expect(hook.requests.map((r) => r.headers["webhook-id"])).toEqual(["twice-1"]);

    // The worker records a delivery once its receiver answered, so the marker's may be recorded a moment after it arrived.
    const delivered = await eventually(async () => {
      const stats = await api(ingest, acmeAdmin, "GET", "/api/v1/admin/stats");
      expect(stats.status).toBe(200);
      const channel = (stats.body.channels as { channel: string; delivered: number }[]).find((c) => c.channel === "subscription");
      return (channel?.delivered ?? 0) >= 2 ? channel?.delivered : undefined;
    });
    expect(delivered).toBeGreaterThanOrEqual(2);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${marker.id}`);
  });

  it("never delivers another tenant's events", async () => {
    const acmeHook = await receiver();
    const globexHook = await receiver();
    const mine = await subscribe(acmeHook.url(), ["*"]);
    const theirs = await subscribe(globexHook.url(), ["*"], {}, globex);
    const globexEvent = await emit("job.failed", {}, globex);
    const acmeEvent = await emit("job.failed");
    await arrived(acmeHook, acmeEvent);
    await arrived(globexHook, globexEvent);
    expect(bodiesOf(acmeHook).map((b) => [b.id, b.tenantId])).toEqual([[acmeEvent, "acme"]]);
    expect(bodiesOf(globexHook).map((b) => [b.id, b.tenantId])).toEqual([[globexEvent, "globex"]]);
    expect((await deliveriesOfEvent(globexEvent)).map((d) => d.subscription_id)).toEqual([theirs.id]);
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${mine.id}`);
    await api(ingest, globex, "DELETE", `/api/v1/subscriptions/${theirs.id}`);
  });

  it("delivers notification.action, which no user is notified of, to a notification.* subscription", async () => {
    const hook = await receiver();
    const { id, secret } = await subscribe(hook.url(), ["notification.*"]);
    const owner = userToken("owner", "user", { tenant: "acme" });
    const socket = new RecordingClient(gateway, owner);
    await socket.connected();
    await publish(ingest, acme, {
      id: "review-77",
      type: "review.submitted",
      actions: [{ id: "approve", label: "Approve" }],
      payload: { contentOwnerUserId: "author", reviewerUserIds: ["owner"] },
    });
    const pushed = await eventually(() => socket.notifications[0], 15_000, "the push");
    const acted = await api(gateway, owner, "POST", `/api/v1/notifications/${pushed.id}/actions/approve`);
    expect(acted.status).toBe(202);
    const request = await arrived(hook, acted.body.eventId);
    expect(verify(request, secret)).toMatchObject({
      id: acted.body.eventId,
      type: "notification.action",
      tenantId: "acme",
      actorUserId: "owner",
      payload: { notificationId: pushed.id, eventId: "review-77", actionId: "approve", userId: "owner" },
    });
    // review.submitted is not notification.*.
    expect(bodiesOf(hook).map((b) => b.type)).toEqual(["notification.action"]);
    socket.close();
    await api(ingest, acme, "DELETE", `/api/v1/subscriptions/${id}`);
  });
});
