#!/usr/bin/env node
// A local Redis Cluster for tests: 3 masters and 3 replicas on spare ports
// of their own band (scripts/lib/port-bands.json), data in a temporary
// directory, nothing saved. With a command after `--`
// it starts the cluster, runs the command with REDIS_CLUSTER_NODES set (and
// REDIS_URL pointing at the first node), tears the cluster down and exits
// with the command's status:
//
//   node scripts/redis-cluster.mjs -- npx jest --config jest.cluster.config.js
//
// Without a command it starts the cluster, prints the nodes and keeps it up until Ctrl-C.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const NODES = 6;
const HOST = "127.0.0.1";
/**
 * The nodes' ports and their cluster bus ports (port + busOffset, Redis's
 * default): below the kernel's ephemeral range, where no outgoing connection
 * (the tests' many, the nodes' own bus links) can take one between the check
 * and redis-server's bind; and apart from the tests' band, so a service a
 * test starts never collides with a node.
 */
const BAND = JSON.parse(readFileSync(new URL("./lib/port-bands.json", import.meta.url), "utf8")).redisCluster;

function checkBelowEphemeralRange() {
  let low;
  try {
    low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  } catch {
    return; // not Linux: nothing known to check against
  }
  if (BAND.last + BAND.busOffset >= low)
    throw new Error(
      `cluster ports ${BAND.first}-${BAND.last} and their bus ports (+${BAND.busOffset}) reach into the kernel's ephemeral range (from ${low}): move the band (scripts/lib/port-bands.json)`,
    );
}

/** NODES ports of the band, each free now with its bus port, taken in turn from a random point. */
async function freePorts() {
  checkBelowEphemeralRange();
  const size = BAND.last - BAND.first + 1;
  const start = Math.floor(Math.random() * size);
  const ports = [];
  for (let i = 0; i < size && ports.length < NODES; i++) {
    const port = BAND.first + ((start + i) % size);
    if ((await canListen(port)) && (await canListen(port + BAND.busOffset))) ports.push(port);
  }
  if (ports.length < NODES) throw new Error(`redis cluster: fewer than ${NODES} free ports in ${BAND.first}-${BAND.last}`);
  return ports;
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function cli(port, ...args) {
  const { stdout } = await run("redis-cli", ["-h", HOST, "-p", String(port), ...args]);
  return stdout;
}

async function waitFor(what, check, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startRedisCluster() {
  const dir = mkdtempSync(join(tmpdir(), "herald-redis-cluster-"));
  const ports = await freePorts();
  const processes = ports.map((port) =>
    spawn(
      "redis-server",
      [
        "--cluster-enabled",
        "yes",
        "--port",
        String(port),
        "--bind",
        HOST,
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  );
  const stop = async () => {
    for (const p of processes) if (p.exitCode === null) p.kill("SIGTERM");
    await Promise.all(processes.map((p) => (p.exitCode === null ? new Promise((r) => p.once("exit", r)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitFor(`node ${port} answering`, async () => (await cli(port, "ping")).trim() === "PONG");
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `${HOST}:${p}`), "--cluster-replicas", "1", "--cluster-yes"]);
    // Every node must agree, or a client's first CLUSTER SLOTS may see a half-made cluster.
    for (const port of ports)
      await waitFor(`cluster_state:ok on ${port}`, async () => (await cli(port, "cluster", "info")).includes("cluster_state:ok"));
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((p) => `${HOST}:${p}`).join(","), ports, stop };
}

async function main() {
  const separator = process.argv.indexOf("--");
  const command = separator >= 0 ? process.argv.slice(separator + 1) : [];
  const cluster = await startRedisCluster();
  process.stderr.write(`[redis-cluster] up: REDIS_CLUSTER_NODES=${cluster.nodes}\n`);
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => shutdown(130));
  process.on("SIGTERM", () => shutdown(143));
  if (command.length === 0) return;
  const child = spawn(command[0], command.slice(1), {
    stdio: "inherit",
    env: { ...process.env, REDIS_CLUSTER_NODES: cluster.nodes, REDIS_URL: `redis://${HOST}:${cluster.ports[0]}` },
  });
  child.on("exit", (code, signal) => shutdown(code ?? (signal ? 1 : 0)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`[redis-cluster] ${error.message}\n`);
    process.exit(1);
  });
}
