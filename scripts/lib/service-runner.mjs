// Runs built Herald services as child processes: used by `npm start` and the benchmarks.
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Services `npm start` runs, with the env variable naming each one's HTTP port. */
export const STACK_SERVICES = [
  { name: "router", portEnv: "ROUTER_PORT" },
  { name: "ingest", portEnv: "INGEST_PORT" },
  { name: "realtime-gateway", portEnv: "GATEWAY_PORT" },
  // Digests and do-not-disturb releases, on BullMQ job schedulers.
  { name: "digest-scheduler", portEnv: "DIGEST_SCHEDULER_PORT" },
  // Sends the webhooks and emails the router and the scheduler queue.
  { name: "delivery-worker", portEnv: "DELIVERY_WORKER_PORT" },
  // Watches this machine's disks (and GPUs, where nvidia-smi exists) and
  // publishes system.* alerts to the ingest started above.
  { name: "hardware-monitor", portEnv: "HARDWARE_MONITOR_PORT" },
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `services/<name>/dist/main.js`. `output` is "inherit" (logs to this
 * terminal) or "ignore"/"pipe". `ownProcessGroup` keeps a terminal's Ctrl-C
 * from reaching the service directly: the caller then stops it with one
 * signal (stopAll). Otherwise the service gets Ctrl-C's SIGINT and then
 * stopAll's SIGTERM, takes the second as "exit now" and skips its graceful
 * shutdown (jobs in hand are cut off). `nodeArgs` go to node before the
 * script (`--cpu-prof`, which NODE_OPTIONS does not take).
 */
export function startService(name, env, { output = "inherit", ownProcessGroup = false, nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, "services", name, "dist", "main.js")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", output, output],
    detached: ownProcessGroup,
  });
  return child;
}

export async function waitReady(child, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode} before becoming ready`);
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`not ready at ${url}/ready after ${timeoutMs} ms`);
}

export async function stopAll(children, signal = "SIGTERM") {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(async (c) => {
        const exited = once(c, "exit");
        c.kill(signal);
        await exited;
      }),
  );
}
