// A redis-server of the bench's own, nothing saved: the "one Redis" side of
// a cluster comparison. The cluster scripts/redis-cluster.mjs starts serves
// the bench alone, so the single node must too; the shared Redis also
// carries whatever else runs on the machine, and its queueing would be
// counted against one side only.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { ROOT } from "../../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { Redis } = require("ioredis");

export async function startPrivateRedis(port) {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode} (port in use?)`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") return { url, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server on ${port} did not answer within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      probe.disconnect();
    }
  }
}
