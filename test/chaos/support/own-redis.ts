import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../support/ports";
import { REDIS_PID_FILE } from "./scratch";

/**
 * How often Redis fsyncs its append-only file. `everysec` (Redis's default,
 * and docker-compose.yml's) may lose up to about a second of writes when the
 * machine (not just Redis) dies; `always` fsyncs before every reply and loses
 * nothing, at a throughput cost.
 */
export type AppendFsync = "always" | "everysec" | "no";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A redis-server of the suite's own, on a spare port, with the append-only
 * file on and `noeviction`, as the README asks of production Redis. Unlike
 * the shared test Redis it may be killed: `kill()` is SIGKILL, and `restart()`
 * starts it again on the same port and directory, so it reloads its AOF.
 */
export class OwnRedis {
  private child?: ChildProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly appendfsync: AppendFsync,
  ) {}

  static async start(dir: string, appendfsync: AppendFsync = "everysec"): Promise<OwnRedis> {
    const redis = new OwnRedis(dir, await freePort(), appendfsync);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async restart(): Promise<void> {
    if (this.running) throw new Error("redis is already running");
    const settings: Record<string, string> = {
      port: String(this.port),
      bind: "127.0.0.1",
      dir: this.dir,
      appendonly: "yes",
      appendfsync: this.appendfsync,
      // The AOF is the only persistence: no RDB snapshots forking under load.
      save: "",
      "maxmemory-policy": "noeviction",
      logfile: path.join(this.dir, "redis.log"),
    };
    const child = spawn(
      "redis-server",
      Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]),
      { stdio: "ignore" },
    );
    this.child = child;
    live.add(child);
    child.once("exit", () => live.delete(child));
    writeFileSync(path.join(this.dir, REDIS_PID_FILE), `${child.pid}\n${this.port}\n`);
    await this.waitReady();
  }

  /** Until PING answers PONG: while Redis replays its AOF it answers LOADING. */
  private async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      while (Date.now() < deadline) {
        if (!this.running) throw new Error(`redis-server exited; see ${path.join(this.dir, "redis.log")}`);
        try {
          if (probe.status !== "ready") await probe.connect();
          if ((await probe.ping()) === "PONG") return;
        } catch {
          probe.disconnect();
        }
        await sleep(50);
      }
      throw new Error(`redis-server not ready after ${timeoutMs} ms`);
    } finally {
      probe.disconnect();
    }
  }

  /** kill -9: whatever Redis had not written to its AOF is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  /** A client for the test's own measurements; it rides out restarts quietly. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on("error", () => undefined);
    return client;
  }
}
