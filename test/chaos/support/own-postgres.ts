import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Pool } from "pg";
import { applyMigrations } from "@herald/db";
import type { TestDatabase } from "../../support/database";
import { freePort } from "../../support/ports";
import { PG_DATA_DIR } from "./scratch";

const run = promisify(execFile);

/** The newest installed PostgreSQL's binaries (Debian keeps them off PATH), or PG_BIN. */
function pgBin(tool: string): string {
  if (process.env.PG_BIN) return path.join(process.env.PG_BIN, tool);
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  return newest ? path.join(root, newest, "bin", tool) : tool;
}

/** PostgreSQL refuses to run as root: as root, its tools run as the postgres OS user. */
const asRoot = process.getuid?.() === 0;
function command(tool: string, args: readonly string[]): { file: string; args: string[] } {
  return asRoot ? { file: "runuser", args: ["-u", "postgres", "--", pgBin(tool), ...args] } : { file: pgBin(tool), args: [...args] };
}

async function pg(tool: string, args: readonly string[]): Promise<void> {
  const { file, args: argv } = command(tool, args);
  await run(file, argv);
}

const clusters = new Set<OwnPostgres>();
process.once("exit", () => {
  for (const cluster of clusters) cluster.stopNow();
});

export type StopMode = "fast" | "immediate";

/**
 * A PostgreSQL cluster of the suite's own (initdb, trust auth, in the scratch
 * directory, on a spare port), so a scenario may stop it: the shared test
 * PostgreSQL is never touched. fsync is off: the suite stops the server, not
 * the machine, so the OS page cache keeps every committed write anyway, and
 * this shared 2-core machine is spared the flushes.
 */
export class OwnPostgres {
  private up = false;

  private constructor(
    readonly dataDir: string,
    readonly socketDir: string,
    readonly port: number,
  ) {}

  static async create(scratch: string): Promise<OwnPostgres> {
    const dataDir = path.join(scratch, PG_DATA_DIR);
    const socketDir = path.join(scratch, "pgsocket");
    for (const dir of [dataDir, socketDir]) {
      mkdirSync(dir, { mode: 0o700 });
      if (asRoot) chownSync(dir, uid("postgres"), gid("postgres"));
    }
    await pg("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    const cluster = new OwnPostgres(dataDir, socketDir, await freePort());
    await cluster.start();
    return cluster;
  }

  url(database = "postgres"): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.socketDir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      // Every service has its own pool; two gateways, two routers and a delivery worker add up.
      "-c max_connections=300",
    ].join(" ");
    await pg("pg_ctl", ["-D", this.dataDir, "-l", path.join(this.dataDir, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
    this.up = true;
    clusters.add(this);
  }

  /** `fast` disconnects every client and shuts down cleanly; `immediate` is a crash (recovery on the next start). */
  async stop(mode: StopMode = "fast"): Promise<void> {
    if (!this.up) return;
    await pg("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
    this.up = false;
    clusters.delete(this);
  }

  /** For the process-exit hook: synchronous, whatever state the server is in. */
  stopNow(): void {
    if (!this.up) return;
    try {
      const { file, args } = command("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
      execFileSync(file, args, { stdio: "ignore" });
    } catch {
      // not running
    }
    this.up = false;
  }

  /**
   * A migrated database on this cluster, read through a pool (which
   * reconnects after an outage, where one client would stay broken).
   */
  async database(name: string): Promise<TestDatabase> {
    const url = this.url(name);
    await applyMigrations({ databaseUrl: url });
    const pool = new Pool({ connectionString: url, max: 4 });
    pool.on("error", () => undefined);
    return {
      url,
      name,
      async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
        return (await pool.query(sql, params)).rows as T[];
      },
      async drop() {
        // The whole cluster goes with the scratch directory; only the pool needs closing.
        await pool.end();
      },
    };
  }
}

function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

function gid(user: string): number {
  return Number(execFileSync("id", ["-g", user]).toString().trim());
}
