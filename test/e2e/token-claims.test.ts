import { api, publish, RawSocket } from "../support/clients";
import { TestStack } from "../support/stack";
import { tokenWithClaims, userToken } from "../support/tokens";

/**
 * Tokens whose signature is good but whose identity claims are not: a `sub`
 * that is no string (null, an object, an array, a boolean), holds a NUL or
 * is too long, or an `email` that is a list or a group. Every entry point
 * that takes tokens refuses them with 401, and none becomes a user.
 */
describe("tokens with hostile identity claims", () => {
  let stack: TestStack;
  let gateway: string;
  let ingest: string;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    gateway = (await stack.start("realtime-gateway")).url;
    ingest = (await stack.start("ingest")).url;
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack.stop();
  });

  const HOSTILE_SUBS: [string, unknown][] = [
    ["null", null],
    ["an object", { id: "42" }],
    ["an array", ["42"]],
    ["a boolean", true],
    ["a number", 42],
    ["a string with a NUL", "4\u00002"],
    ["a 257-character string", "u".repeat(257)],
  ];
  const HOSTILE_EMAILS: [string, string][] = [
    ["a list", "ops@example.com, attacker@evil.example"],
    ["group syntax", "Ops: ops@example.com, attacker@evil.example;"],
  ];
  const cases: [string, Record<string, unknown>][] = [
    ...HOSTILE_SUBS.map(([name, sub]): [string, Record<string, unknown>] => [`sub ${name}`, { sub, role: "admin" }]),
    ...HOSTILE_EMAILS.map(([name, email]): [string, Record<string, unknown>] => [`email ${name}`, { sub: "ops", role: "admin", email }]),
  ];

  it.each(cases)("an admin token with %s gets 401 from the gateway's REST API and socket and from ingest", async (_case, claims) => {
    const token = tokenWithClaims(claims);
    for (const [url, path] of [
      [gateway, "/api/v1/notifications"],
      [gateway, "/api/v1/notifications/settings"],
      [ingest, "/api/v1/admin/deliveries"],
      [ingest, "/admin/queues/api/queues"],
    ] as const) {
      const res = await api(url, token, "GET", path);
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 401, code: "unauthorized" });
    }
    const socket = new RawSocket(gateway, { token });
    sockets.push(socket);
    expect((await socket.refused()).data?.code).toBe("token_invalid");

    const login = await fetch(`${ingest}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(login.status).toBe(401);
    expect(login.headers.getSetCookie()).toEqual([]);
  });

  it.each(HOSTILE_SUBS)("a producer token whose sub is %s cannot publish (401), and nothing is enqueued", async (_case, sub) => {
    const before = await stack.streamLength();
    const res = await publish(ingest, tokenWithClaims({ sub, scope: "events:publish" }), {
      type: "job.completed",
      payload: { ownerUserId: "42" },
    });
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: "unauthorized" });
    expect(await stack.streamLength()).toBe(before);
  });

  it("made no user of any of them, while a well-formed token still works", async () => {
    expect((await api(gateway, userToken("42", "user", { email: "ops@example.com" }), "GET", "/api/v1/notifications")).status).toBe(200);
    const users = await stack.db.query<{ id: string }>("SELECT id FROM users ORDER BY id");
    expect(users.map((u) => u.id)).toEqual(["42"]);
  });
});
