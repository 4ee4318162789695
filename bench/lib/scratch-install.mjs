// A throwaway Herald installation for a benchmark: its own database and its
// own Redis namespace, both removed by `remove()`.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { ROOT } from "../../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { loadInstallationConfig } = require("@herald/runtime");
const { Client } = require("pg");
const { Redis } = require("ioredis");

export function scratchInstall() {
  const base = loadInstallationConfig();
  const suffix = randomBytes(3).toString("hex");
  const dbName = `herald_bench_${suffix}`;
  const databaseUrl = Object.assign(new URL(base.databaseUrl), { pathname: `/${dbName}` }).toString();
  const namespace = `bench${suffix}`;
  return {
    base,
    suffix,
    dbName,
    databaseUrl,
    namespace,
    /** Env for services of this installation: a local one, so the dev JWT secret is opted in (a JWT_SECRET set still wins). */
    env: { DATABASE_URL: databaseUrl, HERALD_NAMESPACE: namespace, HERALD_DEV_AUTH: "1" },
    async remove() {
      const admin = new Client({ connectionString: Object.assign(new URL(base.databaseUrl), { pathname: "/postgres" }).toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      const redis = new Redis(base.redisUrl);
      // A bench may leave millions of keys (idempotency ids): unlink them a page at a time.
      for await (const keys of redis.scanStream({ match: `${namespace}:*`, count: 1000 })) {
        if (keys.length) await redis.unlink(...keys);
      }
      redis.disconnect();
    },
  };
}
