import { once } from "node:events";
import { promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { HeraldPublisher, type HeraldEventInput } from "@herald/sdk";
import { DiskOutbox } from "../src/delivery/outbox";
import { OutboxSender } from "../src/delivery/outbox-sender";

const logger = pino({ level: "silent" });
const event = (id: string): HeraldEventInput => ({ id, type: "system.gpu_warning", payload: { host: "h", value: id } });

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hm-outbox-"));
  created.push(dir);
  return dir;
}
afterAll(() => Promise.all(created.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

describe("DiskOutbox", () => {
  it("keeps events in order across a reopen (a restart or crash)", async () => {
    const dir = await tempDir();
    const outbox = await DiskOutbox.open(dir, 100);
    await outbox.append([event("a"), event("b")]);
    await outbox.append([event("c")]);
    await fs.writeFile(path.join(dir, "0000000000000099.json.tmp"), "{half");
    const reopened = await DiskOutbox.open(dir, 100);
    expect((await reopened.peek(10)).map((e) => e.event.id)).toEqual(["a", "b", "c"]);
    await reopened.remove((await reopened.peek(1)).map((e) => e.seq));
    await reopened.append([event("d")]);
    expect((await (await DiskOutbox.open(dir, 100)).peek(10)).map((e) => e.event.id)).toEqual(["b", "c", "d"]);
    expect((await fs.readdir(dir)).some((f) => f.endsWith(".tmp"))).toBe(false);
  });

  it("is bounded: past the limit the oldest events are dropped and counted", async () => {
    const outbox = await DiskOutbox.open(await tempDir(), 3);
    await outbox.append(["1", "2", "3", "4", "5"].map(event));
    expect((await outbox.peek(10)).map((e) => e.event.id)).toEqual(["3", "4", "5"]);
    expect(outbox.dropped).toBe(2);
  });
});

/** A stand-in ingest that answers with `status(n)` for the n-th batch and records what it accepted. */
async function fakeIngest(status: (n: number, ids: string[]) => number) {
  const accepted: string[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const ids = (JSON.parse(body) as { events: { id: string }[] }).events.map((e) => e.id);
      const code = status(requests++, ids);
      if (code === 202) accepted.push(...ids);
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(code === 202 ? { ids, status: "accepted" } : { error: { code: `e${code}`, message: "no" } }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("OutboxSender", () => {
  const client = (url: string) => new HeraldPublisher({ baseUrl: url, token: "t", maxAttempts: 1, timeoutMs: 2_000 });

  it("keeps events while ingest fails and delivers them in order, once, when it recovers", async () => {
    const ingest = await fakeIngest((n) => (n < 3 ? 503 : 202));
    const outbox = await DiskOutbox.open(await tempDir(), 100);
    const sender = new OutboxSender(outbox, client(ingest.url), { retryMaxMs: 20, retryInitialMs: 5, batchSize: 2, logger });
    await outbox.append(["1", "2", "3"].map(event));
    sender.kick();
    await outbox.append([event("4")]);
    sender.kick();
    await until(() => outbox.size === 0);
    await sender.stop();
    await ingest.close();
    expect(ingest.accepted).toEqual(["1", "2", "3", "4"]);
    expect(sender.status()).toMatchObject({ pending: 0, delivered: 4, rejected: 0, lastError: { code: "e503", status: 503 } });
  });

  it("drops only the event ingest rejects as invalid and delivers the rest", async () => {
    const ingest = await fakeIngest((_, ids) => (ids.includes("bad") ? 400 : 202));
    const outbox = await DiskOutbox.open(await tempDir(), 100);
    const sender = new OutboxSender(outbox, client(ingest.url), { retryMaxMs: 20, logger });
    await outbox.append(["1", "bad", "3"].map(event));
    sender.kick();
    await until(() => outbox.size === 0);
    await sender.stop();
    await ingest.close();
    expect(ingest.accepted).toEqual(["1", "3"]);
    expect(sender.status()).toMatchObject({ delivered: 2, rejected: 1 });
  });

  it("drops an event whose id another producer took (409), rather than holding back every alert after it", async () => {
    const ingest = await fakeIngest((_, ids) => (ids.includes("taken") ? 409 : 202));
    const outbox = await DiskOutbox.open(await tempDir(), 100);
    const sender = new OutboxSender(outbox, client(ingest.url), { retryMaxMs: 20, logger });
    await outbox.append(["1", "taken", "3"].map(event));
    sender.kick();
    await until(() => outbox.size === 0);
    await sender.stop();
    await ingest.close();
    expect(ingest.accepted).toEqual(["1", "3"]);
    expect(sender.status()).toMatchObject({ delivered: 2, rejected: 1, lastError: { status: 409 } });
  });

  it("keeps events ingest refuses for the token (an operator fixes that) and stops cleanly", async () => {
    const ingest = await fakeIngest(() => 401);
    const outbox = await DiskOutbox.open(await tempDir(), 100);
    const sender = new OutboxSender(outbox, client(ingest.url), { retryMaxMs: 20, retryInitialMs: 5, logger });
    await outbox.append([event("1")]);
    sender.kick();
    await until(() => ingest.requests() >= 3);
    await sender.stop();
    await ingest.close();
    expect(outbox.size).toBe(1);
    expect(sender.status()).toMatchObject({ pending: 1, delivered: 0, lastError: { status: 401 } });
  });
});
