import net from "node:net";
import { Manager } from "socket.io-client";
import { api, eventually, RawSocket, RecordingClient } from "../support/clients";
import { TestStack } from "../support/stack";
import { TcpProxy } from "../support/tcp-proxy";
import { producerToken, userToken } from "../support/tokens";

/**
 * The gateway when things go wrong around it: Postgres unreachable (through
 * a TCP proxy the test closes, since the shared Postgres cannot be stopped),
 * and clients that hold connections without finishing their requests or
 * their handshakes.
 */
describe("realtime gateway under outages and slow clients", () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let gateway: string;
  /** A gateway with tight connection limits, and an ingest with the same request timeouts. */
  let tight: string;
  let ingest: string;
  const sockets: RawSocket[] = [];
  const managers: Manager[] = [];

  const TIMEOUTS = { HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2000" };

  beforeAll(async () => {
    stack = await TestStack.create();
    const direct = new URL(stack.db.url);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port) });
    const proxied = new URL(stack.db.url);
    proxied.port = String(proxy.port);
    gateway = (await stack.start("realtime-gateway", { env: { DATABASE_URL: proxied.toString() } })).url;
    const [tightGateway, ingestService] = await Promise.all([
      stack.start("realtime-gateway", {
        key: "tight",
        env: { ...TIMEOUTS, GATEWAY_MAX_PENDING_HANDSHAKES: "3", GATEWAY_CONNECT_TIMEOUT_MS: "1500" },
      }),
      stack.start("ingest", { env: TIMEOUTS }),
    ]);
    tight = tightGateway.url;
    ingest = ingestService.url;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    managers.forEach((m) => m.engine?.close());
    await stack.stop();
    await proxy.close();
  });

  const token = userToken("outage-user");
  const userCalls: [string, string, unknown?][] = [
    ["GET", "/api/v1/notifications"],
    ["GET", "/api/v1/notifications/unread-count"],
    ["POST", "/api/v1/notifications/read-all"],
    ["POST", "/api/v1/notifications/7/read"],
    ["GET", "/api/v1/notifications/settings"],
    ["PUT", "/api/v1/notifications/settings", { digestEnabled: false }],
    ["GET", "/api/v1/notifications/preferences"],
    ["GET", "/api/v1/notifications/digest"],
    ["GET", "/api/v1/events"],
  ];
  const answers = async (user = token) =>
    Promise.all(
      userCalls.map(async ([method, path, body]) => {
        const res = await api(gateway, user, method, path, body);
        return { call: `${method} ${path}`, status: res.status, code: res.body?.error?.code };
      }),
    );

  it("answers 503 database_unavailable while Postgres is unreachable, and serves again once it is back", async () => {
    const before = await answers();
    expect(before.filter((a) => a.status >= 500)).toEqual([]);

    await proxy.close();
    const during = await answers();
    expect(during).toEqual(userCalls.map(([method, path]) => ({ call: `${method} ${path}`, status: 503, code: "database_unavailable" })));
    // A user the gateway has not seen yet (its upsert is the first query) gets the same.
    const stranger = await api(gateway, userToken("outage-stranger"), "GET", "/api/v1/notifications");
    expect({ status: stranger.status, body: stranger.body }).toEqual({
      status: 503,
      body: { error: { code: "database_unavailable", message: expect.stringMatching(/unavailable/) } },
    });
    // A new user's socket is refused with a code the client retries on.
    const socket = new RawSocket(gateway, { token: userToken("outage-stranger") });
    sockets.push(socket);
    expect((await socket.refused()).data?.code).toBe("unavailable");
    expect(stack.service("realtime-gateway").logs).not.toMatch(/unhandled request error/);

    await proxy.open();
    const after = await answers();
    expect(after.filter((a) => a.status >= 500)).toEqual([]);
  });

  it("answers 503 within seconds, not never, while Postgres accepts connections and does not answer (a partition)", async () => {
    await proxy.blackhole();
    try {
      const res = await fetch(`${gateway}/api/v1/notifications`, {
        headers: { authorization: `Bearer ${token}` },
        // Connection attempts give up after 5 s; without that limit the request would wait for as long as the partition lasts.
        signal: AbortSignal.timeout(20_000),
      });
      expect({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }).toEqual({
        status: 503,
        code: "database_unavailable",
      });
    } finally {
      await proxy.open();
    }
    expect((await api(gateway, token, "GET", "/api/v1/notifications")).status).toBe(200);
  });

  /**
   * Writes `data` to a raw TCP connection and then nothing more: what the
   * server answers, and whether it closed the connection within `waitMs`.
   */
  const stall = (url: string, data: string, waitMs = 8_000) =>
    new Promise<{ answer: string; closed: boolean }>((resolve) => {
      const { hostname, port } = new URL(url);
      const socket = net.connect(Number(port), hostname, () => socket.write(data));
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("error", () => undefined);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ answer, closed: false });
      }, waitMs);
      socket.on("close", () => {
        clearTimeout(timer);
        resolve({ answer, closed: true });
      });
    });

  it("cuts off a client that sends its headers or its body too slowly: 408, connection closed (gateway and ingest)", async () => {
    const timedOut = { answer: expect.stringMatching(/^HTTP\/1\.1 408 /), closed: true };
    const results = await Promise.all([
      stall(tight, "GET /api/v1/notifications HTTP/1.1\r\nHost: x\r\n"),
      stall(
        tight,
        "PUT /api/v1/notifications/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
      ),
      // With a producer token, so that ingest goes on to read the body (without one it answers 401 at once).
      stall(
        ingest,
        `POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${producerToken()}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"type":`,
      ),
    ]);
    expect(results).toEqual([timedOut, timedOut, timedOut]);
    // Requests sent in time are served as before.
    expect((await fetch(`${tight}/health`)).status).toBe(200);
  });

  /** An Engine.IO connection that never sends Socket.IO's CONNECT (so never authenticates). */
  const idleConnection = (url: string) =>
    new Promise<{ manager: Manager; error?: Error }>((resolve) => {
      const manager = new Manager(url, { transports: ["websocket"], reconnection: false, autoConnect: false });
      managers.push(manager);
      manager.open((error) => resolve({ manager, error }));
    });
  const closed = (manager: Manager) => new Promise<void>((resolve) => manager.on("close", () => resolve()));

  it("holds at most GATEWAY_MAX_PENDING_HANDSHAKES connections that have not authenticated, and closes each after the connect timeout", async () => {
    const idle = await Promise.all([1, 2, 3].map(() => idleConnection(tight)));
    expect(idle.map((c) => c.error)).toEqual([undefined, undefined, undefined]);
    const gone = Promise.all(idle.map((c) => closed(c.manager)));

    // The fourth is refused before any session exists, whoever it is.
    const handshake = await fetch(`${tight}/socket.io/?EIO=4&transport=polling`);
    expect({ status: handshake.status, body: await handshake.json() }).toEqual({
      status: 403,
      body: { code: 4, message: expect.stringMatching(/more than 3 connections are authenticating/) },
    });
    const refused = new RecordingClient(tight, userToken("patient"));
    sockets.push(refused);
    await expect(refused.connected()).rejects.toThrow();

    // The idle ones are closed by the gateway after GATEWAY_CONNECT_TIMEOUT_MS (Socket.IO's default is 45 s).
    await eventually(() => gone.then(() => true), 10_000, "idle connections closed by the gateway");

    // Then there is room again; an authenticated socket does not take any.
    const user = new RecordingClient(tight, userToken("patient"));
    sockets.push(user);
    await user.connected();
    const again = await Promise.all([1, 2, 3].map(() => idleConnection(tight)));
    expect(again.map((c) => c.error)).toEqual([undefined, undefined, undefined]);
    expect((await idleConnection(tight)).error).toBeInstanceOf(Error);
    expect(user.socket.connected).toBe(true);
  });
});
