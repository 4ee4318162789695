// The raw counterpart of the delivery-worker for bench/delivery-throughput.mjs,
// a child process of it: the same Standard-Webhooks-signed POSTs (same body
// shape, same headers, signed by the same `standardwebhooks` library with the
// same secret) to the same receiver at the same concurrency, from a bare loop
// over node:http with a keep-alive http.Agent, as the worker's sender uses.
// No queue, no database, no
// attempt records: what the machine can do with the same requests.
// Driven over IPC:
//   parent → { type: "run", url, secret, count, concurrency, prefix } → { type: "done", ms, failed }
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(`${ROOT}/package.json`);
const { Webhook } = require("standardwebhooks");

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

async function run({ url, secret, count, concurrency, prefix }) {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
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
      if (status < 200 || status >= 300) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  process.send({ type: "done", ms: performance.now() - started, failed });
}

process.on("message", (message) => {
  if (message.type === "run") void run(message);
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready" });
