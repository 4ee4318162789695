import { gzipSync } from "node:zlib";
import { freePort } from "../support/ports";
import { publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const MAX_BODY = 128 * 1024;
const MAX_BACKLOG = 40;
const MAX_PAYLOAD = 8 * 1024;

/** Every rejected request answers the contract's status and code and enqueues nothing. */
describe("ingest rejects bad input and changes nothing", () => {
  let stack: TestStack;
  let ingest: string;
  const valid = { type: "job.completed", payload: { ownerUserId: "u1" } };

  beforeAll(async () => {
    stack = await TestStack.create({
      INGEST_MAX_BODY_BYTES: String(MAX_BODY),
      INGEST_MAX_BACKLOG: String(MAX_BACKLOG),
      INGEST_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
      // One producer fills the whole backlog here (ingest-producers.test.ts tests the shares).
      INGEST_PRODUCER_BACKLOG_PERCENT: "100",
    });
    ingest = (await stack.start("ingest")).url;
  });
  afterAll(() => stack.stop());

  async function expectRejected(request: Promise<{ status: number; body?: Record<string, any> }>, status: number, code: string) {
    const before = await stack.streamLength();
    const response = await request;
    expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
    expect(typeof response.body?.error?.message).toBe("string");
    expect(await stack.streamLength()).toBe(before);
    return response.body!.error;
  }

  it("401 without a token or with a bad one", async () => {
    await expectRejected(publish(ingest, undefined, valid), 401, "unauthorized");
    await expectRejected(publish(ingest, "not-a-jwt", valid), 401, "unauthorized");
  });

  it("403 for tokens without the events:publish scope", async () => {
    await expectRejected(publish(ingest, userToken("42", "admin"), valid), 403, "forbidden");
    await expectRejected(publish(ingest, producerToken("svc", ["events:read"]), valid), 403, "forbidden");
  });

  it("400 for malformed JSON, 415 for a body that is not JSON", async () => {
    await expectRejected(publish(ingest, producerToken(), undefined, { raw: '{"type": "job.completed",' }), 400, "invalid_json");
    await expectRejected(
      publish(ingest, producerToken(), undefined, { raw: "type=job.completed", contentType: "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    );
  });

  it("400 for an unknown type, naming the field", async () => {
    const error = await expectRejected(publish(ingest, producerToken(), { type: "job.exploded" }), 400, "unknown_event_type");
    expect(error.details).toEqual([{ path: "type", message: "unknown event type" }]);
  });

  it("400 for invalid fields, with each problem's path", async () => {
    const error = await expectRejected(
      publish(ingest, producerToken(), { type: "job.failed", occurredAt: "yesterday", payload: { reviewerUserIds: "u1" }, colour: "red" }),
      400,
      "invalid_event",
    );
    const paths = (error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(expect.arrayContaining(["occurredAt", "payload.reviewerUserIds"]));
    expect(JSON.stringify(error.details)).toContain("colour");
  });

  /** The bodies are sent as written: `\\u0000` and `\\ud800` are JSON escapes, as a producer would send them. */
  const nest = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
  it.each([
    ["a NUL in a payload string", '{"type":"job.failed","payload":{"ownerUserId":"u1","log":"a\\u0000b"}}', "payload.log"],
    ["a NUL in a payload key", '{"type":"job.failed","payload":{"ownerUserId":"u1","x":{"k\\u0000":1}}}', "payload.x.k\u0000"],
    ["a NUL in actorUserId", '{"type":"job.failed","actorUserId":"a\\u0000"}', "actorUserId"],
    ["a NUL in a recipient", '{"type":"job.failed","recipients":["u1","u\\u0000"]}', "recipients.1"],
    ["a NUL in source.type", '{"type":"job.failed","source":{"type":"j\\u0000","id":"1"}}', "source.type"],
    ["a lone surrogate", '{"type":"job.failed","payload":{"ownerUserId":"u1","title":"\\ud800"}}', "payload.title"],
    ["occurredAt in year 0", '{"type":"job.failed","occurredAt":"0000-01-01T00:00:00Z"}', "occurredAt"],
    ["occurredAt in year 10000 once in UTC", '{"type":"job.failed","occurredAt":"9999-12-31T23:00:00-02:00"}', "occurredAt"],
    ["a payload nested 3,000 levels", `{"type":"job.failed","payload":{"x":${nest(3000)}}}`, "payload.x" + ".0".repeat(31)],
    ["a payload nested 10,000 levels", `{"type":"job.failed","payload":{"x":${nest(10_000)}}}`, "payload.x" + ".0".repeat(31)],
  ])("400 for %s, which PostgreSQL could never store, naming the field", async (_name, raw, path) => {
    const error = await expectRejected(publish(ingest, producerToken(), undefined, { raw }), 400, "invalid_event");
    expect(error.details).toEqual([{ path, message: expect.any(String) }]);
  });

  it("400 for a batch with one unstorable event, naming it: nothing from the batch is enqueued", async () => {
    const events = [valid, { type: "job.failed", payload: { note: "ok" } }, { type: "job.failed", payload: { note: "x\u0000" } }];
    const error = await expectRejected(publish(ingest, producerToken(), { events }, { path: "/batch" }), 400, "invalid_event");
    expect(error.details).toEqual([{ path: "events.2.payload.note", message: expect.stringContaining("NUL") }]);
  });

  it("400 for a payload over INGEST_MAX_PAYLOAD_BYTES although the body is within its cap", async () => {
    // {"ownerUserId":"u1","log":"…"}: 29 bytes around the log.
    const payload = (bytes: number) => ({ ownerUserId: "u1", log: "x".repeat(bytes - 29) });
    const error = await expectRejected(
      publish(ingest, producerToken(), { ...valid, payload: payload(MAX_PAYLOAD + 1) }),
      400,
      "invalid_event",
    );
    expect(error.details).toEqual([
      { path: "payload", message: `must serialize to at most ${MAX_PAYLOAD} bytes of JSON (got ${MAX_PAYLOAD + 1})` },
    ]);
    const before = await stack.streamLength();
    expect((await publish(ingest, producerToken(), { ...valid, id: "payload-at-cap", payload: payload(MAX_PAYLOAD) })).status).toBe(202);
    expect(await stack.streamLength()).toBe(before + 1);
  });

  it("400 for a gzip body that is not gzip, and a gzip body that is works", async () => {
    const send = (body: Buffer) =>
      fetch(`${ingest}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${producerToken()}`, "content-type": "application/json", "content-encoding": "gzip" },
        body,
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, any> }));
    const error = await expectRejected(send(Buffer.from("this is not gzip")), 400, "invalid_encoding");
    expect(error.message).toContain("gzip");
    await expectRejected(send(gzipSync(JSON.stringify(valid)).subarray(0, 12)), 400, "invalid_encoding");
    const before = await stack.streamLength();
    expect((await send(gzipSync(JSON.stringify({ ...valid, id: "gzipped" })))).status).toBe(202);
    expect(await stack.streamLength()).toBe(before + 1);
  });

  it("400 for an event naming more than 1000 distinct recipients, 413 for a batch naming more than 10,000", async () => {
    const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    const crowded = { type: "review.submitted", payload: { contentOwnerUserId: "owner", reviewerUserIds: ids(0, 1000) } };
    const error = await expectRejected(publish(ingest, producerToken(), crowded), 400, "invalid_event");
    expect(error.details).toEqual([{ path: "payload", message: "names 1001 distinct recipients; an event may name at most 1000" }]);
    // 11 events of 1000 recipients each: every event is fine, the batch together is not.
    const events = ids(0, 11).map((n) => ({ type: "collab.mention", recipients: ids(n * 1000, 1000) }));
    const tooMany = await expectRejected(publish(ingest, producerToken(), { events }, { path: "/batch" }), 413, "batch_too_large");
    expect(tooMany.message).toContain("at most 10000 distinct recipients, got 11000");
  });

  it("413 for a body over the size limit", async () => {
    const big = { type: "job.completed", payload: { ownerUserId: "u1", log: "x".repeat(MAX_BODY + 1) } };
    await expectRejected(publish(ingest, producerToken(), big), 413, "payload_too_large");
  });

  it("413 for a batch over 1000 events, 400 for a batch with one bad event: nothing from either is enqueued", async () => {
    const tooMany = Array.from({ length: 1001 }, () => ({ type: "job.started" }));
    await expectRejected(publish(ingest, producerToken(), { events: tooMany }, { path: "/batch" }), 413, "batch_too_large");
    const oneBad = [valid, valid, { type: "nope" }];
    const error = await expectRejected(publish(ingest, producerToken(), { events: oneBad }, { path: "/batch" }), 400, "unknown_event_type");
    expect(error.message).toContain("events.2");
    await expectRejected(publish(ingest, producerToken(), { events: [] }, { path: "/batch" }), 400, "invalid_batch");
    await expectRejected(publish(ingest, producerToken(), [valid], { path: "/batch" }), 400, "invalid_batch");
  });

  it("accepts a valid batch atomically and answers 429 once the backlog is full", async () => {
    const before = await stack.streamLength();
    const batch = Array.from({ length: MAX_BACKLOG - before - 1 }, (_, i) => ({ ...valid, id: `fill-${i}` }));
    const accepted = await publish(ingest, producerToken(), { events: batch }, { path: "/batch" });
    expect(accepted.status).toBe(202);
    expect(accepted.body!.ids).toEqual(batch.map((e) => e.id));
    expect(await stack.streamLength()).toBe(MAX_BACKLOG - 1);
    // Two more do not fit: the whole batch is refused, not half of it.
    await expectRejected(publish(ingest, producerToken(), { events: [valid, valid] }, { path: "/batch" }), 429, "backpressure");
    expect((await publish(ingest, producerToken(), valid)).status).toBe(202);
    await expectRejected(publish(ingest, producerToken(), valid), 429, "backpressure");
  });

  it("503 when Redis is unreachable", async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const lonely = await stack.start("ingest", { key: "ingest-no-redis", env: { REDIS_URL: deadRedis }, waitFor: "health" });
    expect((await fetch(`${lonely.url}/ready`)).status).toBe(503);
    const response = await publish(lonely.url, producerToken(), valid);
    expect(response.status).toBe(503);
    expect(response.body?.error.code).toBe("redis_unavailable");
  });
});
