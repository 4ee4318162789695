import { api } from "../support/clients";
import { TestStack } from "../support/stack";
import { userToken } from "../support/tokens";

/**
 * Values the gateway's parsers let through once reached PostgreSQL (a NUL in
 * a filter, a year-0 date) or threw in the URL check (a port past 65535),
 * answering 500: each is
 * a 400 naming its field, and changes nothing.
 */
describe("realtime gateway refuses bad input with a 400 naming the field", () => {
  let stack: TestStack;
  let gateway: string;
  const token = userToken("gw-careful");

  beforeAll(async () => {
    stack = await TestStack.create({ WEBHOOK_ALLOWED_HOSTS: "10.0.0.5:8443" });
    gateway = (await stack.start("realtime-gateway")).url;
  });
  afterAll(() => stack.stop());

  function expectFieldProblem(res: { status: number; body?: any }, code: string, field: string) {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code });
    expect(res.body.error.message).toContain(field);
    expect(res.body.error.details).toEqual([{ path: field, message: expect.any(String) }]);
    return res.body.error.details[0].message as string;
  }

  it.each([
    ["sourceType=job%00x", "sourceType"],
    ["sourceId=a%00b", "sourceId"],
    ["sourceId=%01", "sourceId"],
    ["from=0000-01-01T00:00:00Z", "from"],
    ["to=9999-12-31T23:00:00-05:00", "to"],
  ])("GET /api/v1/events?%s → 400 naming %s", async (query, field) => {
    expectFieldProblem(await api(gateway, token, "GET", `/api/v1/events?${query}`), "invalid_query", field);
  });

  it("the same filters within range still answer", async () => {
    const res = await api(gateway, token, "GET", "/api/v1/events?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z&sourceId=job-1");
    expect(res.status).toBe(200);
  });

  it.each([
    [{ dndUntil: "0000-01-01T00:00:00Z" }, "dndUntil", /0001/],
    [{ dndUntil: "9999-12-31T23:30:00-01:00" }, "dndUntil", /9999/],
    [{ webhookUrl: "https://hooks.example.com:99999/x" }, "webhookUrl", /port/],
    [{ webhookUrl: "https://hooks.example.com:0/x" }, "webhookUrl", /port/],
    [{ webhookUrl: `https://hooks.example.com/${"x".repeat(2048)}` }, "webhookUrl", /at most 2048 characters/],
    [{ webhookUrl: "not a url" }, "webhookUrl", /http\(s\) URL/],
    [{ webhookUrl: "http://[::127.0.0.1]/hook" }, "webhookUrl", /private, loopback or link-local/],
    [{ webhookUrl: "http://[2002:a00:1::1]/hook" }, "webhookUrl", /private, loopback or link-local/],
    [{ webhookUrl: "http://10.0.0.5:8080/hook" }, "webhookUrl", /private, loopback or link-local/],
    [{ webhookUrl: "https://10.0.0.5/hook" }, "webhookUrl", /private, loopback or link-local/],
  ])("PUT settings %j → 400 naming %s, nothing changed", async (body, field, message) => {
    const before = await api(gateway, token, "GET", "/api/v1/notifications/settings");
    expect(expectFieldProblem(await api(gateway, token, "PUT", "/api/v1/notifications/settings", body), "invalid_body", field)).toMatch(
      message,
    );
    expect((await api(gateway, token, "GET", "/api/v1/notifications/settings")).body).toEqual(before.body);
  });

  it("WEBHOOK_ALLOWED_HOSTS=host:port lets a private address be saved with that port only", async () => {
    const res = await api(gateway, token, "PUT", "/api/v1/notifications/settings", { webhookUrl: "http://10.0.0.5:8443/hook" });
    expect({ status: res.status, webhookUrl: res.body.webhookUrl }).toEqual({ status: 200, webhookUrl: "http://10.0.0.5:8443/hook" });
  });
});
