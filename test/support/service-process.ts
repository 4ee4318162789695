import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { freePort } from "./ports";

export type ServiceName = "ingest" | "router" | "realtime-gateway" | "digest-scheduler" | "hardware-monitor" | "delivery-worker";

const PORT_ENV: Record<ServiceName, string> = {
  ingest: "INGEST_PORT",
  router: "ROUTER_PORT",
  "realtime-gateway": "GATEWAY_PORT",
  "digest-scheduler": "DIGEST_SCHEDULER_PORT",
  "hardware-monitor": "HARDWARE_MONITOR_PORT",
  "delivery-worker": "DELIVERY_WORKER_PORT",
};

/** `health`: the process is up; `ready`: its Redis and Postgres are reachable too. */
export type WaitFor = "health" | "ready";

const ROOT = path.resolve(__dirname, "..", "..");
/** How long a service may take to answer /health or /ready; the chaos suite, which starts many on a small machine, waits longer. */
const READY_TIMEOUT_MS = Number(process.env.SERVICE_READY_TIMEOUT_MS ?? 20_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every service process a test started and that may still run: none may outlive the test runner. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/**
 * One Herald service running as its own OS process, from its built
 * dist/main.js, exactly as `npm start --workspace services/<name>` runs it.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  readonly port: number;

  private constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
    port: number,
    private readonly waitFor: WaitFor,
  ) {
    this.port = port;
  }

  static async start(name: ServiceName, env: Record<string, string>, waitFor: WaitFor = "ready"): Promise<ServiceProcess> {
    const port = env[PORT_ENV[name]] ? Number(env[PORT_ENV[name]]) : await freePort();
    const service = new ServiceProcess(name, { ...env, [PORT_ENV[name]]: String(port) }, port, waitFor);
    await service.spawn();
    return service;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output.join("");
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether the process was spawned and has not exited. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async spawn(): Promise<void> {
    const child = spawn(process.execPath, [path.join(ROOT, "services", this.name, "dist", "main.js")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    live.add(child);
    child.once("exit", () => live.delete(child));
    child.stdout!.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => this.output.push(chunk.toString()));
    await this.waitReady(child);
  }

  private async waitReady(child: ChildProcess, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.logs}`);
      try {
        const res = await fetch(`${this.url}/${this.waitFor}`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.logs}`);
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }

  kill(): Promise<number | null> {
    return this.stop("SIGKILL");
  }
}
