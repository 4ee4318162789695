import { api, RawSocket } from "../support/clients";
import { TestStack } from "../support/stack";
import { TcpProxy } from "../support/tcp-proxy";
import { userToken } from "../support/tokens";

/**
 * The gateway when things go wrong around it: Postgres unreachable (through
 * a TCP proxy the test closes, since the shared Postgres cannot be stopped).
 */
describe("realtime gateway under outages", () => {
  let stack: TestStack;
  let proxy: TcpProxy;
  let gateway: string;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    const direct = new URL(stack.db.url);
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port) });
    const proxied = new URL(stack.db.url);
    proxied.port = String(proxy.port);
    gateway = (await stack.start("realtime-gateway", { env: { DATABASE_URL: proxied.toString() } })).url;
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
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
});
