import { api, eventually, publish, RawSocket, RecordingClient } from "../support/clients";
import { trackedClient, type TrackedClient } from "../support/herald-client";
import { scrape as scrapeMetrics, TEST_METRICS_TOKEN as METRICS_TOKEN } from "../support/metrics";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const APP_ORIGIN = "https://app.example";
const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

/**
 * One gateway with the defaults and one with tight limits, allowed origins
 * and toast settings: token expiry and reauth, refused tokens, rooms that
 * cannot be joined, connection and message limits, origins, metrics, toasts.
 */
describe("realtime gateway: auth, limits, origins, metrics, toasts", () => {
  let stack: TestStack;
  const sockets: RawSocket[] = [];
  const recorders: RecordingClient[] = [];
  const tracked: TrackedClient[] = [];
  let gateway: string;
  let strict: string;

  beforeAll(async () => {
    stack = await TestStack.create();
    await stack.start("router");
    await Promise.all([
      stack.start("ingest"),
      // Defaults, except a rate limit loose enough for the room test's barrage of join attempts, and a metrics token.
      stack.start("realtime-gateway", {
        env: { GATEWAY_INBOUND_RATE_PER_SECOND: "1000", GATEWAY_INBOUND_BURST: "1000", METRICS_TOKEN },
      }),
      stack.start("realtime-gateway", {
        key: "strict",
        env: {
          GATEWAY_MAX_CONNECTIONS_PER_USER: "2",
          GATEWAY_INBOUND_RATE_PER_SECOND: "2",
          GATEWAY_INBOUND_BURST: "4",
          CORS_ORIGINS: APP_ORIGIN,
          TOAST_EXPIRE_MS: "4000",
          TOAST_EXPIRE_MS_SYSTEM: "0",
          GATEWAY_TRANSPORTS: "websocket",
        },
      }),
    ]);
    gateway = stack.service("realtime-gateway").url;
    strict = stack.service("strict").url;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.socket.close());
    recorders.forEach((c) => c.close());
    tracked.forEach((t) => t.client.close());
    await stack.stop();
  });

  const raw = (url: string, auth: Record<string, unknown>, headers?: Record<string, string>) => {
    const s = new RawSocket(url, auth, headers);
    sockets.push(s);
    return s;
  };

  const publishJob = async (owner: string, id: string) => {
    expect(
      (await publish(stack.service("ingest").url, producerToken(), { id, type: "job.completed", payload: { ownerUserId: owner } })).status,
    ).toBe(202);
  };

  it("refuses a missing, tampered, expired or producer token, and a malformed last id", async () => {
    const valid = userToken("who");
    const tampered = `${valid.slice(0, -3)}${valid.endsWith("A") ? "B" : "A"}xx`;
    const cases: [Record<string, unknown>, string][] = [
      [{}, "token_missing"],
      [{ token: tampered }, "token_invalid"],
      [{ token: userToken("who", "user", {}, -10) }, "token_expired"],
      [{ token: producerToken() }, "token_invalid"],
      [{ token: valid, lastNotificationId: "12; DROP TABLE" }, "invalid_handshake"],
      [{ token: valid, lastNotificationId: -1 }, "invalid_handshake"],
      // Past 2^53 - 1: no id a client was given, and caught_up would echo it back rounded.
      [{ token: valid, lastNotificationId: "987654321012345678" }, "invalid_handshake"],
    ];
    for (const [auth, code] of cases) {
      const error = await raw(gateway, auth).refused();
      expect(error.data?.code).toBe(code);
    }
  });

  it("tells a socket whose token expires why, disconnects it, and a reconnect with a fresh token works", async () => {
    const s = raw(gateway, { token: userToken("expiring", "user", {}, 2) });
    await s.connected();
    await eventually(() => s.disconnectReason, 8_000, "disconnect at expiry");
    expect(s.named("auth_expired")).toEqual([{ code: "token_expired", message: expect.stringMatching(/expired/) }]);

    // The client library, given a token function, gets a fresh token and carries on.
    let minted = 0;
    const tab = trackedClient({
      url: gateway,
      token: () => userToken("expiring", "user", {}, ++minted === 1 ? 2 : 3600),
      // Longer than the first token's life: no early reauth, so the gateway's expiry path is what runs.
      refreshBeforeExpiryMs: 60_000,
    });
    tracked.push(tab);
    await tab.client.ready();
    await eventually(() => (tab.caughtUp.length === 2 ? true : undefined), 8_000, "reconnected after expiry");
    expect(tab.errors.map((e) => e.code)).toEqual(["token_expired"]);
    expect(minted).toBe(2);
    await publishJob("expiring", "after-expiry");
    await eventually(() => tab.notifications.find((n) => n.eventId === "after-expiry"), 10_000, "live after the new token");
  });

  it("reauth with a fresh token for the same user keeps the socket; another user's token is refused", async () => {
    const s = raw(gateway, { token: userToken("renewing", "user", {}, 2) });
    await s.connected();
    const other = await s.socket.timeout(5_000).emitWithAck("reauth", { token: userToken("someone-else") });
    expect(other).toEqual({ ok: false, error: { code: "subject_mismatch", message: expect.any(String) } });
    const bad = await s.socket.timeout(5_000).emitWithAck("reauth", { token: "nope" });
    expect(bad).toMatchObject({ ok: false, error: { code: "token_invalid" } });
    const renewed = await s.socket.timeout(5_000).emitWithAck("reauth", { token: userToken("renewing", "user", {}, 3600) });
    expect(renewed).toEqual({ ok: true, expiresAt: expect.any(Number) });

    // Past the first token's expiry, the same socket still gets notifications.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await publishJob("renewing", "renewed-1");
    await eventually(() => s.named("notification").length || undefined, 10_000, "notification after renewal");
    expect(s.socket.connected).toBe(true);
    expect(s.named("auth_expired")).toEqual([]);
  });

  it("no message lets a socket into another user's room", async () => {
    const victim = new RecordingClient(gateway, userToken("victim"));
    recorders.push(victim);
    await victim.connected();
    const attacker = raw(gateway, { token: userToken("attacker") });
    await attacker.connected();
    const names = [
      "join",
      "subscribe",
      "joinRoom",
      "join_room",
      "room:join",
      "enter",
      "listen",
      "watch",
      "rooms",
      "switch_user",
      "auth",
      "reauth",
    ];
    const rooms = ["user:victim", "victim", { room: "user:victim" }, { userId: "victim" }, ["user:victim"]];
    for (const name of names) {
      for (const room of rooms) attacker.socket.emit(name, room);
    }
    await publishJob("victim", "for-victim");
    await eventually(() => victim.notifications[0], 10_000, "victim's own notification");
    // Published after the victim's: once the attacker has its own, the victim's would have come before.
    await publishJob("attacker", "for-attacker");
    await eventually(() => attacker.named("notification").length || undefined, 10_000, "attacker's own notification");
    expect(attacker.named("notification").map((n) => (n as { eventId: string }).eventId)).toEqual(["for-attacker"]);
    expect(attacker.socket.connected).toBe(true);
  });

  it("refuses a user's connection past the per-user limit, with a clear code", async () => {
    const token = userToken("greedy");
    const first = raw(strict, { token });
    const second = raw(strict, { token });
    await Promise.all([first.connected(), second.connected()]);
    const third = await raw(strict, { token }).refused();
    expect(third.data?.code).toBe("too_many_connections");
    expect(third.message).toMatch(/at most 2 connections/);
    // Another user is not affected, and closing one socket makes room again.
    await raw(strict, { token: userToken("modest") }).connected();
    first.socket.close();
    await eventually(
      async () => {
        const again = raw(strict, { token });
        try {
          await again.connected();
          return true;
        } catch {
          again.socket.close();
          return undefined;
        }
      },
      5_000,
      "room after a disconnect",
    );
  });

  it("disconnects a socket that floods messages, telling it why", async () => {
    const s = raw(strict, { token: userToken("flooder") });
    await s.connected();
    for (let i = 0; i < 30; i++) s.socket.emit("anything", i);
    await eventually(() => s.disconnectReason, 5_000, "flooder disconnected");
    expect(s.named("limit_exceeded")).toEqual([{ code: "rate_limited", message: expect.any(String) }]);
    // A socket within its rate is left alone.
    const calm = raw(strict, { token: userToken("calm") });
    await calm.connected();
    for (let i = 0; i < 3; i++) calm.socket.emit("anything", i);
    const ack = await calm.socket.timeout(5_000).emitWithAck("reauth", { token: userToken("calm") });
    expect(ack).toMatchObject({ ok: true });
    expect(calm.socket.connected).toBe(true);
  });

  it("applies allowed origins to sockets and REST", async () => {
    const token = userToken("origin-user");
    const foreign = await raw(strict, { token }, { origin: "https://evil.example" }).refused();
    expect(foreign.data?.code).toBe("origin_not_allowed");
    await raw(strict, { token }, { origin: APP_ORIGIN }).connected();
    // Non-browser clients send no Origin and are not origin-restricted.
    await raw(strict, { token }).connected();

    const preflight = (origin: string) =>
      fetch(`${strict}/api/v1/notifications`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      });
    expect((await preflight(APP_ORIGIN)).headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    // The default gateway allows any origin (auth is by bearer token, not cookie).
    await raw(gateway, { token }, { origin: "https://anywhere.example" }).connected();
  });

  it("serves toast settings over REST and on connect", async () => {
    const expected = { defaultAutoExpireMs: 4000, categories: { job: 4000, review: 4000, system: 0, collaboration: 4000, digest: 4000 } };
    const res = await fetch(`${strict}/api/v1/notifications/toast-config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
    const s = raw(strict, { token: userToken("toaster") });
    await eventually(() => s.named("toast_config")[0], 5_000, "toast_config on connect");
    expect(s.named("toast_config")).toEqual([expected]);
    expect((await api(gateway, userToken("toaster"), "GET", "/api/v1/notifications/toast-config")).body.defaultAutoExpireMs).toBe(5000);
  });

  it("GET /metrics reports connected sockets, emits and delivery lag in Prometheus text", async () => {
    const metricsUrl = `${gateway}/metrics`;
    const metric = async (name: string, labels?: Record<string, string>) => (await scrapeMetrics(gateway)).value(name, labels);
    const before = (await metric("herald_gateway_connected_sockets")) ?? 0;
    const user = "metrics-user";
    const c = new RecordingClient(gateway, userToken(user));
    recorders.push(c);
    await c.connected();
    await eventually(
      async () => ((await metric("herald_gateway_connected_sockets")) === before + 1 ? true : undefined),
      5_000,
      "socket counted",
    );
    const emitted = (await metric("herald_gateway_emits_total", { event: "notification" })) ?? 0;
    const lagCount = (await metric("herald_gateway_delivery_lag_seconds_count")) ?? 0;
    await publishJob(user, "metrics-1");
    await eventually(() => c.notifications[0], 10_000, "notification");
    expect(await metric("herald_gateway_emits_total", { event: "notification" })).toBe(emitted + 1);
    expect(await metric("herald_gateway_delivery_lag_seconds_count")).toBe(lagCount + 1);
    const res = await fetch(metricsUrl, scrape);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE herald_gateway_delivery_lag_seconds histogram$/m);
    expect(text).toMatch(/^herald_process_resident_memory_bytes\{service="realtime-gateway"\} \d+/m);
    c.close();
    await eventually(async () => ((await metric("herald_gateway_connected_sockets")) === before ? true : undefined), 5_000, "socket gone");
  });

  it("GET /metrics answers only the scraper's bearer token, and is not served at all without METRICS_TOKEN", async () => {
    const status = async (url: string, init?: RequestInit) => {
      const res = await fetch(`${url}/metrics`, init);
      return { status: res.status, body: (await res.text()).slice(0, 200) };
    };
    const refused = { status: 401, body: expect.stringContaining('"code":"unauthorized"') };
    expect(await status(gateway)).toEqual(refused);
    expect(await status(gateway, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).toEqual(refused);
    // A user's token is no scraper's.
    expect(await status(gateway, { headers: { authorization: `Bearer ${userToken("curious")}` } })).toEqual(refused);
    expect(await status(gateway, scrape)).toEqual({ status: 200, body: expect.stringContaining("# HELP") });
    // The strict gateway has no METRICS_TOKEN: nothing at /metrics.
    expect(await status(strict, scrape)).toEqual({ status: 404, body: expect.stringContaining('"code":"not_found"') });
  });
});
