// Publish→socket latency: starts ingest, router and realtime-gateway as
// separate processes on a scratch database and Redis namespace, connects one
// Socket.IO client, publishes N events one by one over HTTP and prints the
// time from each POST to the matching `notification` on the socket.
//
//   npm run bench:latency [-- --events 1000]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { loadAuthConfig } = require("@herald/auth");
const { signToken } = require("@herald/auth");
const { io } = require("socket.io-client");
const { Redis } = require("ioredis");

const { values } = parseArgs({ options: { events: { type: "string", default: "1000" } } });
const total = Number(values.events);

const scratch = scratchInstall();
const { suffix } = scratch;
const ports = { INGEST_PORT: "3100", ROUTER_PORT: "3102", GATEWAY_PORT: "3101" };
const env = { ...scratch.env, LOG_LEVEL: "warn", ...ports };
const auth = loadAuthConfig({ JWT_SECRET: process.env.JWT_SECRET, HERALD_DEV_AUTH: env.HERALD_DEV_AUTH });

const children = [];
const cleanup = async () => {
  await stopAll(children);
  await scratch.remove();
};

try {
  // The router migrates the fresh database first; the others then find it ready.
  const router = startService("router", env);
  children.push(router);
  await waitReady(router, `http://127.0.0.1:${ports.ROUTER_PORT}`);
  for (const [name, port] of [
    ["ingest", ports.INGEST_PORT],
    ["realtime-gateway", ports.GATEWAY_PORT],
  ]) {
    const child = startService(name, env);
    children.push(child);
    await waitReady(child, `http://127.0.0.1:${port}`);
  }

  const userToken = signToken({ kind: "user", sub: "bench-user", role: "user" }, auth);
  const producerToken = signToken({ kind: "service", sub: "bench" }, auth);
  const socket = io(`http://127.0.0.1:${ports.GATEWAY_PORT}`, { auth: { token: userToken }, transports: ["websocket"] });
  await new Promise((resolve, reject) => (socket.once("connect", resolve), socket.once("connect_error", reject)));

  const sentAt = new Map();
  const latencies = [];
  let done;
  const allArrived = new Promise((resolve) => (done = resolve));
  socket.on("notification", (n) => {
    const t0 = sentAt.get(n.eventId);
    if (t0 === undefined) return;
    latencies.push(performance.now() - t0);
    sentAt.delete(n.eventId);
    if (latencies.length === total) done();
  });

  const publish = (id) =>
    fetch(`http://127.0.0.1:${ports.INGEST_PORT}/api/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${producerToken}` },
      body: JSON.stringify({ id, type: "job.completed", payload: { ownerUserId: "bench-user", jobName: id } }),
    });

  // Warm up connections and JIT, not measured.
  for (let i = 0; i < 50; i++) await publish(`warm-${suffix}-${i}`);
  await new Promise((resolve) => setTimeout(resolve, 500));

  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const id = `lat-${suffix}-${i}`;
    sentAt.set(id, performance.now());
    const res = await publish(id);
    if (res.status !== 202) throw new Error(`publish answered ${res.status}`);
  }
  const timeout = setTimeout(() => done(), 30_000);
  await allArrived;
  clearTimeout(timeout);
  const elapsed = (performance.now() - started) / 1000;
  socket.close();

  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  console.log(`publish→socket latency, ${total} events sent one by one (${latencies.length} received)`);
  console.log(`  p50 ${pct(50)} ms   p95 ${pct(95)} ms   p99 ${pct(99)} ms   max ${latencies.at(-1).toFixed(2)} ms`);
  console.log(`  ${(total / elapsed).toFixed(0)} events/s end to end`);
  // No raw pipeline counterpart yet (#16).
  reportSummary("latency", [{ figure: "publish→socket p99, events one by one", unit: "ms", project: Number(pct(99)), target: "≤ 100 ms" }]);
  if (latencies.length !== total) process.exitCode = 1;
} finally {
  await cleanup();
}
