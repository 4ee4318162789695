import { brotliCompressSync, deflateSync } from "node:zlib";
import { eventually } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken, tokenWithClaims } from "../support/tokens";

/**
 * The publishing endpoints are answered in front of Express (publish-handler.ts):
 * what Express and body-parser did for them still holds, and every other
 * request still reaches Express.
 */
describe("ingest's lean publish path", () => {
  let stack: TestStack;
  let ingest: string;
  const event = (id: string) => ({ id, type: "job.completed", payload: { ownerUserId: "u1" } });

  beforeAll(async () => {
    stack = await TestStack.create();
    ingest = (await stack.start("ingest")).url;
  });
  afterAll(() => stack.stop());

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}, token = producerToken()) {
    const res = await fetch(`${ingest}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get("content-type"), text, body: text ? JSON.parse(text) : undefined };
  }

  it("answers 202 with the same body and content type as before, for every path spelling Express routed", async () => {
    const before = await stack.streamLength();
    expect(await post("/api/v1/events", JSON.stringify(event("path-1")))).toMatchObject({
      status: 202,
      contentType: "application/json; charset=utf-8",
      text: '{"id":"path-1","status":"accepted"}',
    });
    expect((await post("/api/v1/events/?x=1", JSON.stringify(event("path-2")))).status).toBe(202);
    expect((await post("/API/V1/Events", JSON.stringify(event("path-3")))).status).toBe(202);
    expect(await post("/api/v1/events/batch/", JSON.stringify({ events: [event("path-4"), event("path-5")] }))).toMatchObject({
      status: 202,
      text: '{"ids":["path-4","path-5"],"status":"accepted"}',
    });
    expect(await stack.streamLength()).toBe(before + 5);
  });

  it("reads bodies as body-parser does: deflate, brotli, UTF-16 and a UTF-8 BOM; refuses other charsets and encodings with 415", async () => {
    const before = await stack.streamLength();
    const json = (id: string) => JSON.stringify(event(id));
    expect((await post("/api/v1/events", deflateSync(json("enc-1")), { "content-encoding": "deflate" })).status).toBe(202);
    expect((await post("/api/v1/events", brotliCompressSync(json("enc-2")), { "content-encoding": "br" })).status).toBe(202);
    const utf16 = Buffer.from(json("enc-3"), "utf16le");
    expect((await post("/api/v1/events", utf16, { "content-type": "application/json; charset=utf-16le" })).status).toBe(202);
    expect((await post("/api/v1/events", `\ufeff${json("enc-4")}`)).status).toBe(202);
    expect(await stack.streamLength()).toBe(before + 4);

    expect(await post("/api/v1/events", json("enc-5"), { "content-type": "application/json; charset=latin1" })).toMatchObject({
      status: 415,
      body: { error: { code: "unsupported_media_type", message: 'unsupported charset "LATIN1"' } },
    });
    expect(await post("/api/v1/events", json("enc-6"), { "content-encoding": "compress" })).toMatchObject({
      status: 415,
      body: { error: { code: "unsupported_media_type", message: 'unsupported content encoding "compress"' } },
    });
    expect(await post("/api/v1/events", json("enc-7"), { "content-type": "text/plain" })).toMatchObject({
      status: 415,
      body: { error: { code: "unsupported_media_type", message: "Content-Type must be application/json" } },
    });
    // An empty JSON body is {} to body-parser: an event without a type.
    expect(await post("/api/v1/events", "")).toMatchObject({ status: 400, body: { error: { code: "invalid_event" } } });
    expect(await stack.streamLength()).toBe(before + 4);
  });

  it("checks the token before it reads the body: a bad token is 401 whatever the body", async () => {
    expect(await post("/api/v1/events", "not json", {}, "bad")).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
  });

  it("refuses a token once its exp has passed, although it verified (and was remembered) before", async () => {
    const token = tokenWithClaims({ sub: "short-lived", scope: "events:publish" }, 2);
    expect((await post("/api/v1/events", JSON.stringify(event("exp-1")), {}, token)).status).toBe(202);
    const refused = await eventually(async () => {
      const res = await post("/api/v1/events", JSON.stringify(event("exp-2")), {}, token);
      return res.status === 202 ? undefined : res;
    }, 10_000);
    expect(refused).toMatchObject({ status: 401, body: { error: { code: "unauthorized", message: "token has expired" } } });
  });

  it("leaves every other request to Express", async () => {
    expect((await fetch(`${ingest}/health`)).status).toBe(200);
    const other = await fetch(`${ingest}/api/v1/events`, { headers: { authorization: `Bearer ${producerToken()}` } });
    expect({ status: other.status, body: await other.json() }).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    const elsewhere = await post("/api/v1/events/other", JSON.stringify(event("x")));
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
  });
});
