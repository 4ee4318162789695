import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { backoffDelay, HeraldClient, HeraldPublisher, HeraldPublishError, type HeraldPublisherOptions } from "../src";
import { retryAfterMs } from "../src/retry-after";

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: any;
}

/** What the fake ingest does with the n-th request (counting from 0). */
type Behaviour = (
  n: number,
  req: Received,
) => { status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | "hang" | "reset";

/** A real HTTP server on a loopback port that answers as scripted. */
class FakeIngest {
  readonly requests: Received[] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(behaviour: Behaviour): Promise<FakeIngest> {
    let fake: FakeIngest | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        const received: Received = { method: req.method!, path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined };
        fake!.requests.push(received);
        const action = behaviour(fake!.requests.length - 1, received);
        if (action === "hang") return;
        if (action === "reset") return req.socket.destroy();
        res.writeHead(action.status, { "content-type": "application/json", ...action.headers });
        res.end(action.raw ?? JSON.stringify(action.body ?? {}));
      });
    });
    server.on("connection", (s: Socket) => {
      fake!.sockets.add(s);
      s.on("close", () => fake!.sockets.delete(s));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    fake = new FakeIngest(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  async close(): Promise<void> {
    this.sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const accepted = (req: Received) =>
  req.path.endsWith("/batch")
    ? { status: 202, body: { ids: req.body.events.map((e: { id: string }) => e.id), status: "accepted" } }
    : { status: 202, body: { id: req.body.id, status: "accepted" } };

const errorBody = (status: number, code: string, message: string, details?: unknown) => ({
  status,
  body: { error: { code, message, ...(details !== undefined && { details }) } },
});

/** Fast retries so each test runs in milliseconds. */
const client = (url: string, overrides: Partial<HeraldPublisherOptions> = {}) =>
  new HeraldPublisher({ baseUrl: url, token: "tok-1", initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000, ...overrides });

async function publishError(promise: Promise<unknown>): Promise<HeraldPublishError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HeraldPublishError);
    return error as HeraldPublishError;
  }
  throw new Error("expected the publish to fail");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("HeraldPublisher.publish", () => {
  let ingest: FakeIngest | undefined;
  afterEach(async () => {
    await ingest?.close();
    ingest = undefined;
  });

  it("posts the event as JSON with the bearer token and returns the id it generated", async () => {
    ingest = await FakeIngest.start((_, req) => accepted(req));
    const result = await client(ingest.url).publish({
      type: "job.completed",
      payload: { ownerUserId: "42" },
      occurredAt: new Date("2026-01-02T03:04:05Z"),
    });
    expect(result.id).toMatch(UUID);
    expect(result.attempts).toBe(1);
    const [req] = ingest.requests;
    expect(req).toMatchObject({ method: "POST", path: "/api/v1/events" });
    expect(req!.headers.authorization).toBe("Bearer tok-1");
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.body).toEqual({
      id: result.id,
      type: "job.completed",
      payload: { ownerUserId: "42" },
      occurredAt: "2026-01-02T03:04:05.000Z",
    });
  });

  it("keeps the caller's id and asks a token provider for a token on every request", async () => {
    ingest = await FakeIngest.start((n, req) => (n === 0 ? { status: 503, body: {} } : accepted(req)));
    let issued = 0;
    const result = await client(ingest.url, { token: async () => `tok-${++issued}` }).publish({ id: "mine-1", type: "system.restart" });
    expect(result).toEqual({ id: "mine-1", attempts: 2 });
    expect(ingest.requests.map((r) => r.headers.authorization)).toEqual(["Bearer tok-1", "Bearer tok-2"]);
  });

  it("retries 5xx and 429 with the same id until it is accepted", async () => {
    const script = [
      errorBody(503, "redis_unavailable", "down"),
      errorBody(429, "backpressure", "full"),
      errorBody(500, "internal_error", "oops"),
    ];
    ingest = await FakeIngest.start((n, req) => script[n] ?? accepted(req));
    const retries: number[] = [];
    const result = await client(ingest.url, { onRetry: (r) => retries.push(r.error.status!) }).publish({
      type: "job.failed",
      payload: { ownerUserId: "7" },
    });
    expect(result.attempts).toBe(4);
    expect(retries).toEqual([503, 429, 500]);
    const ids = new Set(ingest.requests.map((r) => r.body.id));
    expect(ids).toEqual(new Set([result.id]));
  });

  it("retries a connection reset by the server, keeping the id", async () => {
    ingest = await FakeIngest.start((n, req) => (n < 2 ? "reset" : accepted(req)));
    const result = await client(ingest.url).publish({ type: "job.started", payload: { ownerUserId: "1" } });
    expect(result.attempts).toBe(3);
    expect(new Set(ingest.requests.map((r) => r.body.id)).size).toBe(1);
  });

  it.each([
    [400, "invalid_event", { path: "payload.ownerUserId", message: "Invalid input" }],
    [401, "unauthorized", undefined],
    [403, "forbidden", undefined],
    [413, "payload_too_large", undefined],
    [415, "unsupported_media_type", undefined],
  ])("never retries a %i (%s) and surfaces ingest's error", async (status, code, details) => {
    ingest = await FakeIngest.start(() => errorBody(status, code, `ingest says ${code}`, details && [details]));
    const error = await publishError(client(ingest.url).publish({ type: "job.completed" }));
    expect(ingest.requests).toHaveLength(1);
    expect(error).toMatchObject({ status, code, message: `ingest says ${code}`, retryable: false, attempts: 1 });
    expect(error.details).toEqual(details && [details]);
  });

  it("gives up after maxAttempts on a persistent 503 and says it may be retried later", async () => {
    ingest = await FakeIngest.start(() => errorBody(503, "redis_unavailable", "the event bus is unavailable; retry later"));
    const error = await publishError(client(ingest.url, { maxAttempts: 3 }).publish({ type: "job.completed" }));
    expect(ingest.requests).toHaveLength(3);
    expect(error).toMatchObject({ status: 503, code: "redis_unavailable", retryable: true, attempts: 3 });
  });

  it("names a non-JSON error body by its status", async () => {
    ingest = await FakeIngest.start(() => ({ status: 502, raw: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } }));
    const error = await publishError(client(ingest.url, { maxAttempts: 2 }).publish({ type: "job.completed" }));
    expect(error).toMatchObject({ status: 502, code: "http_502", message: "ingest answered 502", retryable: true, attempts: 2 });
  });

  it("times out a request that never gets an answer, and retries it", async () => {
    ingest = await FakeIngest.start((n, req) => (n === 0 ? "hang" : accepted(req)));
    const started = Date.now();
    const result = await client(ingest.url, { timeoutMs: 150 }).publish({ type: "job.completed" });
    expect(result.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("reports a timeout when every attempt hangs, within attempts × timeout", async () => {
    ingest = await FakeIngest.start(() => "hang");
    const started = Date.now();
    const error = await publishError(client(ingest.url, { timeoutMs: 100, maxAttempts: 2 }).publish({ type: "job.completed" }));
    expect(error).toMatchObject({ code: "timeout", retryable: true, attempts: 2 });
    expect(error.status).toBeUndefined();
    expect(ingest.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("reports a network error when nothing listens", async () => {
    const closed = await FakeIngest.start(() => ({ status: 500 }));
    const url = closed.url;
    await closed.close();
    const error = await publishError(client(url, { maxAttempts: 2 }).publish({ type: "job.completed" }));
    expect(error).toMatchObject({ code: "network_error", retryable: true, attempts: 2 });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("waits at least a 429's Retry-After (capped by maxDelayMs)", async () => {
    ingest = await FakeIngest.start((n, req) =>
      n === 0 ? { ...errorBody(429, "backpressure", "full"), headers: { "retry-after": "1" } } : accepted(req),
    );
    const delays: number[] = [];
    await client(ingest.url, { maxDelayMs: 300, onRetry: (r) => delays.push(r.delayMs) }).publish({ type: "job.completed" });
    expect(delays).toEqual([300]);
  });

  it("stops retrying when the caller aborts during the wait", async () => {
    ingest = await FakeIngest.start(() => errorBody(503, "redis_unavailable", "down"));
    const controller = new AbortController();
    const publishing = client(ingest.url, { initialDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.99 }).publish(
      { type: "job.completed" },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 100);
    const error = await publishError(publishing);
    expect(error).toMatchObject({ code: "aborted", retryable: false, attempts: 1 });
    expect(ingest.requests).toHaveLength(1);
  });
});

describe("HeraldPublisher.publishBatch", () => {
  let ingest: FakeIngest | undefined;
  afterEach(async () => {
    await ingest?.close();
    ingest = undefined;
  });

  it("assigns every event an id before the first attempt and resends the same ids", async () => {
    ingest = await FakeIngest.start((n, req) => (n === 0 ? errorBody(503, "redis_unavailable", "down") : accepted(req)));
    const result = await client(ingest.url).publishBatch([
      { type: "job.completed", payload: { ownerUserId: "1" } },
      { id: "fixed", type: "job.failed", payload: { ownerUserId: "2" } },
    ]);
    expect(result.ids).toHaveLength(2);
    expect(result.ids[0]).toMatch(UUID);
    expect(result.ids[1]).toBe("fixed");
    expect(ingest.requests.map((r) => r.path)).toEqual(["/api/v1/events/batch", "/api/v1/events/batch"]);
    for (const req of ingest.requests) expect(req.body.events.map((e: { id: string }) => e.id)).toEqual(result.ids);
  });

  it("surfaces a 400 with the failing event's field path and does not retry", async () => {
    const details = [{ path: "events.1.type", message: "unknown event type" }];
    ingest = await FakeIngest.start(() => errorBody(400, "unknown_event_type", "events.1: unknown event type", details));
    const error = await publishError(client(ingest.url).publishBatch([{ type: "job.completed" }, { type: "job.completed" }]));
    expect(error).toMatchObject({ status: 400, code: "unknown_event_type", details, retryable: false });
    expect(ingest.requests).toHaveLength(1);
  });

  it("refuses an empty or oversized batch without a request", async () => {
    ingest = await FakeIngest.start((_, req) => accepted(req));
    const c = client(ingest.url);
    expect(await publishError(c.publishBatch([]))).toMatchObject({ code: "invalid_request", retryable: false, attempts: 0 });
    const tooMany = Array.from({ length: 1001 }, () => ({ type: "job.completed" as const }));
    expect(await publishError(c.publishBatch(tooMany))).toMatchObject({ code: "batch_too_large", retryable: false, attempts: 0 });
    expect(ingest.requests).toHaveLength(0);
  });
});

describe("backoffDelay", () => {
  const options = { initialMs: 100, maxMs: 1_000 };
  it.each([
    [1, 1, 99],
    [2, 1, 199],
    [3, 1, 399],
    [4, 1, 799],
    [5, 1, 999],
    [9, 1, 999],
    [3, 0, 0],
    [3, 0.5, 200],
  ])("retry %i with random %f waits %i ms", (retry, random, expected) => {
    expect(backoffDelay(retry, options, () => (random === 1 ? 0.999999 : random))).toBe(expected);
  });
});

describe("retryAfterMs", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["3", 3_000],
    ["soon", undefined],
    ["Thu, 01 Jan 2026 00:00:10 GMT", 10_000],
    ["Thu, 01 Jan 2025 00:00:00 GMT", 0],
  ])("%p → %p", (header, expected) => {
    expect(retryAfterMs(header, Date.parse("2026-01-01T00:00:00Z"))).toBe(expected);
  });
});

describe("HeraldClient", () => {
  it("is the publisher under its old name, so producers written against 0.1 keep working", () => {
    expect(HeraldClient).toBe(HeraldPublisher);
  });
});
