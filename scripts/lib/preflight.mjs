// Checks that Redis and PostgreSQL answer, and says how to start them if not.
import { createRequire } from "node:module";
import { ROOT } from "./service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);

async function redisReachable(url) {
  const { Redis } = require("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function postgresReachable(url) {
  const { Client } = require("pg");
  const target = new URL(url);
  target.pathname = "/postgres"; // the app database may not exist yet: migrations create it
  const client = new Client({ connectionString: target.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Returns the problems found, each with how to fix it; empty when all is well. */
export async function preflight({ redisUrl, databaseUrl }) {
  const problems = [];
  if (!(await redisReachable(redisUrl))) {
    problems.push(
      `Redis is not reachable at ${redisUrl}.\n` +
        "  Start it with `docker compose up -d redis`, or locally with `redis-server --daemonize yes`,\n" +
        "  or point REDIS_URL at your Redis.",
    );
  }
  if (!(await postgresReachable(databaseUrl))) {
    problems.push(
      `PostgreSQL is not reachable at ${databaseUrl.replace(/\/\/[^@/]*@/, "//***@")}.\n` +
        "  Start it with `docker compose up -d postgres`, or your distribution's service (e.g. `pg_ctlcluster 15 main start`),\n" +
        "  or point DATABASE_URL at your PostgreSQL.",
    );
  }
  return problems;
}
