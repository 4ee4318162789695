// The raw counterpart of the delivery-worker for bench/delivery-throughput.mjs,
// a child process of it: the same Standard-Webhooks-signed POSTs (same body
// shape, same headers, signed by the same `standardwebhooks` library with the
// same secret) to the same receiver at the same concurrency, from a bare loop
// over node:http with a keep-alive http.Agent, as the worker's sender uses.
// No queue, no database, no
// attempt records: what the machine can do with the same requests.
// Driven over IPC:
//   parent → { type: "run", url, secret, count, concurrency, prefix } → { type: "done", ms, failed }
// A second mode measures the queue alone: the same POSTs, each one a BullMQ
// job (added in bulk, then taken by a Worker of the same concurrency), with
// no database: what BullMQ's per-job round trips leave of the raw figure.
//   parent → { type: "bullmq", redisUrl, queuePrefix, url, secret, count, concurrency, prefix } → { type: "done", ms, failed }
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(`${ROOT}/package.json`);
const { Webhook } = require("standardwebhooks");
const { Queue, Worker } = require("bullmq");
const { Redis } = require("ioredis");

const agent = new http.Agent({ keepAlive: true });

/** The JSON the worker sends for one notification (its webhookBody), with the bench's seeded values. */
function body(i, prefix) {
  const now = new Date().toISOString();
  return JSON.stringify({
    id: `${prefix}-e${i}`,
    type: "job.failed",
    occurredAt: now,
    payload: { jobName: "bench" },
    notification: { id: i, title: "Job failed", body: "bench failed", category: "job", critical: false, createdAt: now },
  });
}

function post(url, headers, payload) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** One signed POST of message `i`; whether it was answered 2xx. */
async function send(url, secret, i, prefix) {
  const payload = body(i, prefix);
  const id = `msg_${prefix}-${i}`;
  const sentAt = new Date();
  // Signed per message, as the worker does (a Webhook built from the secret each time, like its webhookHeaders).
  const headers = {
    "content-type": "application/json",
    "user-agent": "Herald-Webhooks/1",
    "content-length": Buffer.byteLength(payload),
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, sentAt, payload),
  };
  const status = await post(url, headers, payload).catch(() => 0);
  return status >= 200 && status < 300;
}

async function run({ url, secret, count, concurrency, prefix }) {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const loop = async () => {
    while (next < count) if (!(await send(url, secret, next++, prefix))) failed += 1;
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  process.send({ type: "done", ms: performance.now() - started, failed });
}

async function bullmq({ redisUrl, queuePrefix, url, secret, count, concurrency, prefix }) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("raw-webhooks", { connection, prefix: queuePrefix });
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const finished = new Promise((resolve) => {
    const worker = new Worker(
      "raw-webhooks",
      async (job) => {
        if (!(await send(url, secret, job.data.i, prefix))) failed += 1;
      },
      { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: queuePrefix, concurrency },
    );
    worker.on("completed", () => {
      if (++done === count) resolve(worker);
    });
  });
  // The worker's jobs are removed on completion too (removeOnComplete: a count), as the delivery enqueuer's are.
  await queue.addBulk(
    Array.from({ length: count }, (_, i) => ({ name: "webhook", data: { i }, opts: { removeOnComplete: { count: 10_000 } } })),
  );
  const worker = await finished;
  const ms = performance.now() - started;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  process.send({ type: "done", ms, failed });
}

process.on("message", (message) => {
  if (message.type === "run") void run(message);
  if (message.type === "bullmq") void bullmq(message);
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready" });
