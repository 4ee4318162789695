// Publish→socket latency beside a raw pipeline, alternating in one run.
//
// Starts ingest, router and realtime-gateway as separate processes on a
// scratch database and Redis namespace, and the raw pipeline as three more:
// bench/lib/raw-ingest.mjs (node:http → XADD), bench/lib/raw-router.mjs
// (XREADGROUP → one multi-row INSERT per batch → Socket.IO Redis emitter)
// and bench/lib/raw-gateway.mjs (Socket.IO server on the Redis adapter).
// SOCKETS idle sockets are held on each gateway by child processes
// (bench/lib/socket-swarm.mjs), one user each. This process connects one
// measuring socket to each, then, round by round, publishes at RATE events/s
// for SECONDS over keep-alive HTTP to the raw pipeline, then to Herald, each
// event for the measuring user, and times each POST to its `notification`
// on the socket. Prints p50/p95/p99 side by side and the ratio of p99s
// within each round (target ≤ 2× raw and under 100 ms, #16).
//
// With --cluster, a second Herald (its own database, the same services)
// runs on a local 3-master Redis Cluster (scripts/redis-cluster.mjs), and
// each round measures it too, right beside Herald on one Redis (the two
// swap places every round): p50/p95/p99 on the cluster and the ratio of the
// p99s within each round. The single-node side (Herald and the raw
// pipeline) then runs on a redis-server of the bench's own
// (bench/lib/private-redis.mjs), as the cluster is the bench's own.
//
//   npm run bench:latency [-- --rate 1000 --seconds 5 --rounds 3 --sockets 10000 --cluster]
import { execFileSync, fork } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { freePort } from "./lib/free-port.mjs";
import { startPrivateRedis } from "./lib/private-redis.mjs";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";
import { startRedisCluster } from "../scripts/redis-cluster.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { loadAuthConfig } = require("@herald/auth");
const { signToken } = require("@herald/auth");
const { io } = require("socket.io-client");

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    sockets: { type: "string", default: "100" },
    cluster: { type: "boolean", default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const SOCKETS = Number(values.sockets);

// Each gateway holds SOCKETS sockets, and each swarm process as many: a descriptor each.
const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -n"]).toString().trim());
if (Number.isFinite(fdLimit) && fdLimit < SOCKETS + 1024) {
  console.error(`open-file limit is ${fdLimit}; ${SOCKETS} idle sockets need about ${SOCKETS + 1024} per process.`);
  console.error(`Raise it for this shell first (ulimit -n, up to the hard limit ulimit -Hn), then run again.`);
  process.exit(2);
}

const scratch = scratchInstall();
const { suffix, namespace } = scratch;
const ports = { INGEST_PORT: "3100", ROUTER_PORT: "3102", GATEWAY_PORT: "3101" };
const RAW_INGEST_PORT = 3105;
const RAW_GATEWAY_PORT = 3106;
// --cluster: the single-node side on a Redis of its own (started below, before anything connects).
const ownRedisUrl = values.cluster ? `redis://127.0.0.1:${await freePort()}` : undefined;
const env = { ...scratch.env, LOG_LEVEL: "warn", ...ports, ...(ownRedisUrl && { REDIS_URL: ownRedisUrl }) };
// --cluster: the second Herald's database and ports; its Redis is the cluster started below.
const clusterScratch = values.cluster ? scratchInstall() : undefined;
const clusterPorts = { INGEST_PORT: "3110", ROUTER_PORT: "3112", GATEWAY_PORT: "3111" };
let cluster;
let ownRedis;
const rawEnv = {
  ...process.env,
  REDIS_URL: ownRedisUrl ?? scratch.base.redisUrl,
  DATABASE_URL: scratch.databaseUrl,
  RAW_STREAM: `${namespace}:raw-events`,
  RAW_SOCKET_KEY: `${namespace}:raw-socket.io`,
};
const auth = loadAuthConfig({ JWT_SECRET: process.env.JWT_SECRET, HERALD_DEV_AUTH: env.HERALD_DEV_AUTH });
const USER = "bench-user";

const children = [];
const swarms = [];
const sockets = [];
const cleanup = async () => {
  sockets.forEach((s) => s.close());
  for (const swarm of swarms) if (swarm.connected) swarm.send({ type: "close" });
  await stopAll(children);
  await scratch.remove();
  await clusterScratch?.remove();
  await cluster?.stop();
  await ownRedis?.stop();
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f1 = (n) => n.toFixed(1);

/** A child process that answers "ready" (or any first message) once listening. */
async function startRaw(script, extra) {
  const child = fork(new URL(`./lib/${script}`, import.meta.url), [], {
    env: { ...rawEnv, ...extra },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  await once(child, "message");
  return child;
}

/** SOCKETS idle sockets on `url`, held by a process of their own; resolves once all are connected. */
async function idleSockets(url, raw, swarmEnv = env) {
  if (SOCKETS === 0) return;
  const swarm = fork(new URL("./lib/socket-swarm.mjs", import.meta.url), [], {
    env: { ...process.env, ...swarmEnv },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  swarms.push(swarm);
  const users = Array.from({ length: SOCKETS }, (_, i) => `idle-${i}`);
  swarm.send({ type: "connect", urls: [url], users, concurrency: 50, raw });
  for (;;) {
    const [m] = await once(swarm, "message");
    if (m.type !== "connected") continue;
    if (m.connected !== SOCKETS)
      throw new Error(`${url}: ${m.connected} of ${SOCKETS} idle sockets connected (${JSON.stringify(m.failed)})`);
    return m;
  }
}

/** The measuring socket on one side, and where its notifications' latencies go. */
async function measuringSocket(url, handshake, readyEvent) {
  const socket = io(url, { auth: handshake, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(socket);
  const side = { sentAt: new Map(), latencies: [], socket };
  socket.on("notification", (n) => {
    const t0 = side.sentAt.get(n.eventId);
    if (t0 === undefined) return;
    side.latencies.push(performance.now() - t0);
    side.sentAt.delete(n.eventId);
  });
  await new Promise((resolve, reject) => (socket.once(readyEvent, resolve), socket.once("connect_error", reject)));
  return side;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * RATE events/s for `seconds` to one side (at each tick, however many are due
 * by now), then waits for the notifications (bounded). Returns the sorted
 * latencies and how many never arrived.
 */
async function round(side, label, seconds) {
  const total = Math.round(RATE * seconds);
  side.latencies = [];
  side.sentAt.clear();
  let sent = 0;
  let refused = 0;
  const reasons = new Map();
  const inFlight = new Set();
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE) + 1);
    while (sent < due) {
      const id = `${label}-${suffix}-${sent++}`;
      const body = JSON.stringify({ id, type: "job.completed", payload: { ownerUserId: USER, jobName: id } });
      side.sentAt.set(id, performance.now());
      const refuse = (why) => {
        refused += 1;
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      };
      const p = post(side.publishUrl, side.headers, body)
        .then((status) => status !== 202 && refuse(`HTTP ${status}`))
        .catch((error) => refuse(error.code ?? error.message));
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = Date.now() + 15_000;
  while (side.latencies.length < total - refused && Date.now() < deadline) await sleep(20);
  const lat = [...side.latencies].sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] : Number.NaN);
  return {
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    max: lat.at(-1) ?? Number.NaN,
    received: lat.length,
    total,
    refused,
    reasons: [...reasons].map(([why, n]) => `${why} ×${n}`).join(", "),
    rate: total / sendSeconds,
  };
}

/** Ingest, router and gateway of one Herald on `serviceEnv`, ready. */
async function startHerald(serviceEnv, at) {
  // The router migrates the fresh database first; the others then find it ready.
  const router = startService("router", serviceEnv);
  children.push(router);
  await waitReady(router, `http://127.0.0.1:${at.ROUTER_PORT}`);
  for (const [name, port] of [
    ["ingest", at.INGEST_PORT],
    ["realtime-gateway", at.GATEWAY_PORT],
  ]) {
    const child = startService(name, serviceEnv);
    children.push(child);
    await waitReady(child, `http://127.0.0.1:${port}`);
  }
}

/** The measuring socket of a Herald at `at`, with where to publish to it. */
async function heraldSide(at) {
  const side = await measuringSocket(
    `http://127.0.0.1:${at.GATEWAY_PORT}`,
    { token: signToken({ kind: "user", sub: USER, role: "user" }, auth, 3600) },
    "caught_up",
  );
  side.publishUrl = `http://127.0.0.1:${at.INGEST_PORT}/api/v1/events`;
  side.headers = {
    "content-type": "application/json",
    authorization: `Bearer ${signToken({ kind: "service", sub: "bench" }, auth, 3600)}`,
  };
  return side;
}

try {
  if (ownRedisUrl) ownRedis = await startPrivateRedis(Number(new URL(ownRedisUrl).port));
  await startHerald(env, ports);
  let clusterEnv;
  if (clusterScratch) {
    cluster = await startRedisCluster();
    clusterEnv = { ...clusterScratch.env, LOG_LEVEL: "warn", ...clusterPorts, REDIS_CLUSTER_NODES: cluster.nodes };
    await startHerald(clusterEnv, clusterPorts);
  }
  await startRaw("raw-ingest.mjs", { RAW_PORT: String(RAW_INGEST_PORT) });
  await startRaw("raw-router.mjs");
  await startRaw("raw-gateway.mjs", { RAW_PORT: String(RAW_GATEWAY_PORT) });

  const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  const rawGatewayUrl = `http://127.0.0.1:${RAW_GATEWAY_PORT}`;
  const connectStarted = performance.now();
  await Promise.all([
    idleSockets(gatewayUrl, false),
    idleSockets(rawGatewayUrl, true),
    ...(clusterEnv ? [idleSockets(`http://127.0.0.1:${clusterPorts.GATEWAY_PORT}`, false, clusterEnv)] : []),
  ]);
  if (SOCKETS) console.log(`${SOCKETS} idle sockets on each gateway in ${((performance.now() - connectStarted) / 1000).toFixed(1)} s`);

  const herald = await heraldSide(ports);
  const onCluster = clusterEnv && (await heraldSide(clusterPorts));
  const raw = await measuringSocket(rawGatewayUrl, { userId: USER }, "connect");
  raw.publishUrl = `http://127.0.0.1:${RAW_INGEST_PORT}/`;
  raw.headers = { "content-type": "application/json" };

  // Warm up both (JIT, connections, consumer groups), not measured.
  await round(raw, "warm-raw", 1);
  await round(herald, "warm", 1);
  if (onCluster) await round(onCluster, "warm-cluster", 1);

  console.log(`publish→socket latency at ${RATE} events/s for ${SECONDS} s per side per round, ${SOCKETS} idle sockets on each gateway:`);
  const rounds = [];
  const line = (r) =>
    `p50 ${f1(r.p50)}  p95 ${f1(r.p95)}  p99 ${f1(r.p99)}  max ${f1(r.max)} ms (${r.received}/${r.total} received, ${r.refused} refused${r.reasons ? ` (${r.reasons})` : ""}, sent at ${Math.round(r.rate)}/s)`;
  for (let i = 1; i <= ROUNDS; i++) {
    const r = await round(raw, `raw${i}`, SECONDS);
    // One Redis and the cluster swap places every round, so neither always runs on a warmer machine.
    const clusterFirst = onCluster && i % 2 === 0;
    const c0 = clusterFirst ? await round(onCluster, `cluster${i}`, SECONDS) : undefined;
    const h = await round(herald, `lat${i}`, SECONDS);
    const c = c0 ?? (onCluster && (await round(onCluster, `cluster${i}`, SECONDS)));
    rounds.push({ raw: r, herald: h, ...(c && { cluster: c }) });
    console.log(`  round ${i}: raw     ${line(r)}`);
    console.log(`           herald  ${line(h)}   p99 ${(h.p99 / r.p99).toFixed(2)}× raw`);
    if (c) console.log(`           cluster ${line(c)}   p99 ${(c.p99 / h.p99).toFixed(2)}× herald on one Redis`);
  }

  const of = (side, key) => median(rounds.map((r) => r[side][key]));
  const ratios = rounds.map((r) => r.herald.p99 / r.raw.p99);
  const clusterRatios = onCluster ? rounds.map((r) => r.cluster.p99 / r.herald.p99) : [];
  console.log(`median of ${ROUNDS} rounds:`);
  console.table(
    ["p50", "p95", "p99"].map((key) => ({
      percentile: key,
      "herald ms": f1(of("herald", key)),
      "raw ms": f1(of("raw", key)),
      ratio: (of("herald", key) / of("raw", key)).toFixed(2),
      ...(onCluster && {
        "herald on the cluster ms": f1(of("cluster", key)),
        "cluster ÷ one Redis": (of("cluster", key) / of("herald", key)).toFixed(2),
      }),
    })),
  );
  console.log(
    `p99 ratio within each round: median ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); target ≤ 2.00 and herald p99 < 100 ms`,
  );
  if (onCluster)
    console.log(
      `p99 on the cluster ÷ on one Redis within each round: median ${median(clusterRatios).toFixed(2)} (${Math.min(...clusterRatios).toFixed(2)}–${Math.max(...clusterRatios).toFixed(2)})`,
    );
  reportSummary("latency", [
    {
      figure: `publish→socket p99, ${RATE}/s, ${SOCKETS} idle sockets`,
      unit: "ms",
      project: of("herald", "p99"),
      raw: of("raw", "p99"),
      ratio: median(ratios),
      target: "≤ 2.00 and < 100 ms",
    },
    {
      figure: `publish→socket p50, ${RATE}/s, ${SOCKETS} idle sockets`,
      unit: "ms",
      project: of("herald", "p50"),
      raw: of("raw", "p50"),
      ratio: of("herald", "p50") / of("raw", "p50"),
    },
    ...(onCluster
      ? [
          {
            figure: `publish→socket p99 on a 3-master cluster (vs one Redis), ${RATE}/s, ${SOCKETS} idle sockets`,
            unit: "ms",
            project: of("cluster", "p99"),
            raw: of("herald", "p99"),
            ratio: median(clusterRatios),
          },
        ]
      : []),
  ]);
  const sides = rounds.flatMap((r) => [r.herald, r.raw, ...(r.cluster ? [r.cluster] : [])]);
  const lost = sides.some((s) => s.received + s.refused < s.total);
  const refused = sides.some((s) => s.refused > 0);
  if (lost || refused) {
    console.error("some events were refused or never arrived (see the rounds above)");
    process.exitCode = 1;
  }
} finally {
  await cleanup();
}
