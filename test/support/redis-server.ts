import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { freePort } from "./ports";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A redis-server of the test's own, for tests that kill or restart Redis
 * (the shared one must keep running for everybody else). It keeps nothing
 * on disk, so a restart comes back empty: a Redis that lost its data.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, empty) on the same port, and waits until it answers. */
  async restart(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) throw new Error("redis-server is running");
    const child = spawn("redis-server", ["--port", String(this.port), "--save", "", "--appendonly", "no", "--daemonize", "no"], {
      stdio: "ignore",
    });
    this.child = child;
    process.once("exit", () => child.kill("SIGKILL"));
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on("error", () => undefined);
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        if (attempt > 100) throw new Error("redis-server did not start");
        await sleep(50);
      } finally {
        client.disconnect();
      }
    }
  }

  /** kill -9: gone at once, with everything it held. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
}
