import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Scratch directories for the chaos suite's own Redis and PostgreSQL. Each
 * records the pid of the test process that owns it, so that a later run can
 * clean up after a run that was itself killed (CI timeout, Ctrl-C, kill -9)
 * and never got to its afterAll: nothing outside these directories is ever
 * touched, and only the processes that served one of them are ended (its
 * Redis and PostgreSQL, identified by their command lines, and the services
 * whose environment names that Redis).
 */
const PREFIX = "herald-chaos-scratch-";
const OWNER_FILE = "owner.pid";
/** Pid files the harness writes next to the data it serves, read by the sweep. */
export const REDIS_PID_FILE = "redis.pid";
export const PG_DATA_DIR = "pgdata";

export function scratchDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), PREFIX));
  // PostgreSQL runs as the postgres user, which must be able to reach its data directory inside.
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

export function removeScratchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether `pid` runs a command line with every one of `marks` in it (so a reused pid is never ended by mistake). */
const runs = (pid: number, ...marks: string[]) => {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return marks.every((mark) => cmdline.includes(mark));
  } catch {
    return false;
  }
};

/** The lines of a small file the harness wrote (a pid first), or none. */
function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
}

function readPid(file: string): number | undefined {
  const pid = Number(readLines(file)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Herald service processes (built dist/main.js) whose environment points them at the Redis on `port`: that stack's. */
function servicesOn(port: string): number[] {
  const redisUrl = `REDIS_URL=redis://127.0.0.1:${port}\0`;
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return runs(pid, "/services/", "dist/main.js") && readFileSync(`/proc/${pid}/environ`, "utf8").includes(redisUrl);
      } catch {
        return false;
      }
    });
}

/** Ends the processes of scratch directories whose owning test process is gone, and removes them. */
export function sweepAbandoned(): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    // Only directories this module made (they have an owner file), and only when their owner is gone.
    const owner = readPid(path.join(dir, OWNER_FILE));
    if (owner === undefined || alive(owner)) continue;
    // redis-server retitles itself "redis-server 127.0.0.1:<port>": the pid file has the port too.
    const redisPid = readPid(path.join(dir, REDIS_PID_FILE));
    const redisPort = readLines(path.join(dir, REDIS_PID_FILE))[1];
    if (redisPid !== undefined && redisPort && runs(redisPid, "redis-server", `:${redisPort}`)) process.kill(redisPid, "SIGKILL");
    if (redisPort) for (const pid of servicesOn(redisPort)) process.kill(pid, "SIGKILL");
    // postmaster.pid's first line is the postmaster's pid; its command line names the data directory.
    // Its backends exit by themselves once they see it gone.
    const pgData = path.join(dir, PG_DATA_DIR);
    const postmaster = readPid(path.join(pgData, "postmaster.pid"));
    if (postmaster !== undefined && runs(postmaster, pgData)) process.kill(postmaster, "SIGKILL");
    removeScratchDir(dir);
  }
}
