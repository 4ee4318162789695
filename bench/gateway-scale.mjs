// Gateway scale: starts router, ingest and N realtime gateways on a scratch
// database and Redis namespace, opens many Socket.IO clients from a separate
// process (one user each, spread over the gateways), publishes events at a
// fixed rate over HTTP to random connected users, and prints connected
// sockets, events/s, publish→socket latency and gateway RSS per 1,000 sockets.
// Stops by itself. Its summary rows (#16, absolute targets, no raw
// counterpart): RSS per idle socket on gateway 1 (≤ 15 KB), measured before
// any event is published, and how many of the sockets asked for one gateway
// process holds (20,000: run with --sockets 20000). The clients are spread
// over processes of at most SWARM_SIZE sockets, so that only the gateway's
// own open-file limit bounds what it can hold.
//
// With `--before ROOT` the gateways are another built checkout's (router and
// ingest stay this one's), to measure a gateway change's memory against the
// old gateway in back-to-back runs. Beside RSS it prints gateway 1's growth in
// V8 heap used (its /metrics) per socket; that includes the handshakes'
// garbage not yet collected, so it can exceed the RSS figure.
//
//   node bench/gateway-scale.mjs [--sockets 1000] [--gateways 1] [--rate 200] [--seconds 15] [--before ROOT]
import { execFileSync, fork, spawn } from "node:child_process";
import path from "node:path";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { loadAuthConfig } = require("@herald/auth");
const { signToken } = require("@herald/auth");
const { Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    sockets: { type: "string", default: "1000" },
    gateways: { type: "string", default: "1" },
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "15" },
    concurrency: { type: "string", default: "100" },
    before: { type: "string" },
  },
});
const sockets = Number(values.sockets);
const gatewayCount = Number(values.gateways);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

// Each gateway needs a descriptor per socket it holds, plus its own (Redis, Postgres, listener, pipes, epoll:
// 32 measured on an idle gateway, Dec 2026), so 64 to spare.
const SWARM_SIZE = 5000;
const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -n"]).toString().trim());
const fdNeeded = Math.ceil(sockets / gatewayCount) + 64;
if (Number.isFinite(fdLimit) && fdLimit < fdNeeded) {
  console.error(`open-file limit is ${fdLimit}; ${Math.ceil(sockets / gatewayCount)} sockets on one gateway need about ${fdNeeded}.`);
  console.error(
    `Raise it for this shell first, e.g.  ulimit -n ${Math.max(fdNeeded, 65536)}  (up to the hard limit, ulimit -Hn), then run again.`,
  );
  process.exit(2);
}

const scratch = scratchInstall();
const { suffix, namespace } = scratch;
const ports = { INGEST_PORT: "3200", ROUTER_PORT: "3202" };
const gatewayPorts = Array.from({ length: gatewayCount }, (_, i) => 3210 + i);
// The gateways serve /metrics only to this bearer token.
const metricsToken = `bench-${suffix}-metrics-token`;
const env = { ...scratch.env, LOG_LEVEL: "warn", METRICS_TOKEN: metricsToken, ...ports };
const auth = loadAuthConfig({ JWT_SECRET: process.env.JWT_SECRET, HERALD_DEV_AUTH: env.HERALD_DEV_AUTH });

const children = [];
const swarms = [];
const cleanup = async () => {
  for (const swarm of swarms) if (swarm.connected) swarm.send({ type: "close" });
  await stopAll(children);
  await scratch.remove();
};

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const mib = (kib) => (kib / 1024).toFixed(1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fromSwarm = (swarm, type) =>
  new Promise((resolve) =>
    swarm.on("message", function handler(m) {
      if (m.type === type) {
        swarm.off("message", handler);
        resolve(m);
      }
    }),
  );

async function gaugeOf(port, name) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const text = await res.text();
  // `name{service="realtime-gateway"} value`: every sample carries the service label.
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

async function gaugeSum(name) {
  let sum = 0;
  for (const port of gatewayPorts) sum += await gaugeOf(port, name);
  return sum;
}

try {
  // The router migrates the fresh database first; the others then find it ready.
  const router = startService("router", env);
  children.push(router);
  await waitReady(router, `http://127.0.0.1:${ports.ROUTER_PORT}`);
  const ingest = startService("ingest", env);
  children.push(ingest);
  const gatewayRoot = values.before ? path.resolve(values.before) : ROOT;
  const gateways = gatewayPorts.map((port) =>
    gatewayRoot === ROOT
      ? startService("realtime-gateway", { ...env, GATEWAY_PORT: String(port) })
      : spawn(process.execPath, [path.join(gatewayRoot, "services", "realtime-gateway", "dist", "main.js")], {
          cwd: gatewayRoot,
          env: { ...process.env, ...env, GATEWAY_PORT: String(port) },
          stdio: ["ignore", "inherit", "inherit"],
        }),
  );
  children.push(...gateways);
  await waitReady(ingest, `http://127.0.0.1:${ports.INGEST_PORT}`);
  await Promise.all(gateways.map((g, i) => waitReady(g, `http://127.0.0.1:${gatewayPorts[i]}`)));
  await sleep(1000);
  const rssBefore = gateways.map((g) => rssKiB(g.pid));
  const heapBefore = await gaugeOf(gatewayPorts[0], "herald_nodejs_heap_size_used_bytes");

  // Sockets from separate processes, SWARM_SIZE at most each, the connection concurrency shared among them.
  const users = Array.from({ length: sockets }, (_, i) => `bench-user-${i}`);
  const swarmCount = Math.max(1, Math.ceil(sockets / SWARM_SIZE));
  const progress = new Array(swarmCount).fill(0);
  const connecting = [];
  for (let k = 0; k < swarmCount; k++) {
    const swarm = fork(new URL("./lib/socket-swarm.mjs", import.meta.url), [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    swarms.push(swarm);
    swarm.on("message", (m) => {
      if (m.type !== "progress") return;
      progress[k] = m.connected;
      process.stdout.write(`\r  connecting… ${progress.reduce((a, b) => a + b, 0)}/${sockets}`);
    });
    connecting.push(fromSwarm(swarm, "connected"));
    swarm.send({
      type: "connect",
      // Slice k gets users k, k + swarmCount, …: with the gateways assigned round-robin within it, still even.
      urls: gatewayPorts.map((p) => `http://127.0.0.1:${p}`),
      users: users.filter((_, i) => i % swarmCount === k),
      concurrency: Math.max(1, Math.ceil(Number(values.concurrency) / swarmCount)),
    });
  }
  const outcomes = await Promise.all(connecting);
  const failed = {};
  for (const o of outcomes) for (const [code, n] of Object.entries(o.failed)) failed[code] = (failed[code] ?? 0) + n;
  const connected = { connected: outcomes.reduce((a, o) => a + o.connected, 0), failed, ms: Math.max(...outcomes.map((o) => o.ms)) };
  process.stdout.write("\n");
  await sleep(2000);
  const rssAfter = gateways.map((g) => rssKiB(g.pid));
  const heapAfter = await gaugeOf(gatewayPorts[0], "herald_nodejs_heap_size_used_bytes");
  const gaugeSockets = await gaugeSum("herald_gateway_connected_sockets");

  // Publish at a fixed rate: at each tick, send however many are due by now.
  const producerToken = signToken({ kind: "service", sub: "bench" }, auth);
  const publishUrl = `http://127.0.0.1:${ports.INGEST_PORT}/api/v1/events`;
  const publishOne = async (i) => {
    const owner = users[Math.floor(Math.random() * connected.connected)] ?? users[0];
    const res = await fetch(publishUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${producerToken}` },
      body: JSON.stringify({
        id: `scale-${suffix}-${i}`,
        type: "job.completed",
        payload: { ownerUserId: owner, jobName: `j${i}`, sentAt: Date.now() },
      }),
    });
    if (res.status !== 202) failedPublishes += 1;
    await res.arrayBuffer();
  };
  let sent = 0;
  let failedPublishes = 0;
  const total = rate * seconds;
  const inFlight = new Set();
  const started = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sent < due) {
      const p = publishOne(sent++).catch(() => (failedPublishes += 1));
      inFlight.add(p);
      p.finally(() => inFlight.delete(p));
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  const publishSeconds = (performance.now() - started) / 1000;

  // Let the tail arrive (bounded), then collect.
  const deadline = Date.now() + 15_000;
  let report;
  for (;;) {
    const reports = await Promise.all(swarms.map((swarm) => (swarm.send({ type: "report" }), fromSwarm(swarm, "report"))));
    report = {
      received: reports.reduce((a, r) => a + r.received, 0),
      latencies: reports.flatMap((r) => r.latencies).sort((a, b) => a - b),
    };
    if (report.received >= sent - failedPublishes || Date.now() > deadline) break;
    await sleep(250);
  }
  const deliverSeconds = (performance.now() - started) / 1000;
  const lat = report.latencies;
  const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(0) : "n/a");

  console.log(`gateway scale: ${sockets} sockets over ${gatewayCount} gateway(s), ${rate} events/s for ${seconds} s`);
  console.log(
    `  connected sockets     ${connected.connected} (gateways report ${gaugeSockets}), failed ${JSON.stringify(connected.failed)}, in ${(connected.ms / 1000).toFixed(1)} s`,
  );
  console.log(
    `  events published      ${sent - failedPublishes} (${failedPublishes} failed) at ${((sent - failedPublishes) / publishSeconds).toFixed(0)}/s; delivered ${report.received} (${(report.received / deliverSeconds).toFixed(0)}/s)`,
  );
  console.log(`  publish→socket        p50 ${pct(50)} ms   p95 ${pct(95)} ms   p99 ${pct(99)} ms   max ${lat.at(-1) ?? "n/a"} ms`);
  gateways.forEach((_, i) => {
    const perGateway = Math.round(connected.connected / gatewayCount);
    const per1000 = perGateway > 0 ? (rssAfter[i] - rssBefore[i]) / (perGateway / 1000) : 0;
    console.log(
      `  gateway ${i + 1} RSS         ${mib(rssBefore[i])} MiB idle → ${mib(rssAfter[i])} MiB with ~${perGateway} sockets: ${mib(per1000)} MiB per 1,000 sockets`,
    );
  });
  const perGateway = Math.round(connected.connected / gatewayCount);
  const askedPerGateway = Math.ceil(sockets / gatewayCount);
  const kibPerSocket = perGateway > 0 ? (rssAfter[0] - rssBefore[0]) / perGateway : Number.NaN;
  console.log(
    `  gateway 1 per idle socket ${kibPerSocket.toFixed(1)} KiB RSS (target ≤ 15 KB), V8 heap used grew ${((heapAfter - heapBefore) / 1024 / perGateway).toFixed(1)} KiB per socket${values.before ? ` (gateway of ${gatewayRoot})` : ""}; one gateway process held ${perGateway} of ${askedPerGateway} sockets (target 20,000)`,
  );
  reportSummary("gateway", [
    { figure: `gateway publish→socket p99, ${sockets} sockets, ${rate}/s`, unit: "ms", project: Number(pct(99)) },
    { figure: `gateway RSS per idle socket, ${perGateway} sockets (gateway 1)`, unit: "KiB", project: kibPerSocket, target: "≤ 15 KB" },
    {
      figure: `sockets held by one gateway process, of ${askedPerGateway} asked`,
      unit: "sockets",
      project: perGateway,
      target: askedPerGateway >= 20_000 ? "20,000" : "20,000 (needs --sockets 20000)",
    },
  ]);
  if (connected.connected !== sockets || report.received < sent - failedPublishes) process.exitCode = 1;
} finally {
  await cleanup();
}
