// Latency of GET /api/v1/admin/stats on a large installation.
//
// Seeds a scratch database with NOTIFICATIONS notifications (half for tenant
// acme, half for tenant globex, spread over 30 days and 10,000 users each, a
// fifth of them with an email delivery), then starts ingest and times the
// stats endpoint for acme over the last day, the last week and the whole
// month. Beside it, in the same run, the raw baseline: the bare count of
// acme's notifications in the same window (one aggregate, no grouping).
//
//   npm run bench:stats [-- --notifications 1000000 --rounds 5]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { applyMigrations } = require("@herald/db");
const { signToken, loadAuthConfig } = require("@herald/auth");
const { tenantKey } = require("@herald/contract");
const { Client } = require("pg");

const { values } = parseArgs({
  options: { notifications: { type: "string", default: "1000000" }, rounds: { type: "string", default: "5" } },
});
const TOTAL = Number(values.notifications);
const ROUNDS = Number(values.rounds);
const PORT = 3900 + Math.floor(Math.random() * 90);
const DAY = 24 * 3600 * 1000;

const scratch = scratchInstall();
const children = [];
const pg = new Client({ connectionString: scratch.databaseUrl });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await applyMigrations({ databaseUrl: scratch.databaseUrl });
  await pg.connect();
  const seeded = performance.now();
  for (const tenant of ["acme", "globex"]) {
    // User keys as Herald stores them: tenantKey(tenant, id).
    const prefix = tenantKey(tenant, "");
    await pg.query(`INSERT INTO users (id, tenant_id) SELECT $1::text || g, $2::text FROM generate_series(1, 10000) g`, [prefix, tenant]);
    await pg.query(
      `INSERT INTO notifications (user_id, event_type, category, title, body, channels, status, is_read, is_delivered, delivered_at, created_at)
       SELECT $1::text || (1 + g % 10000), (ARRAY['job.completed','job.failed','review.submitted'])[1 + g % 3], 'job', 't', 'b',
              CASE WHEN g % 5 = 0 THEN ARRAY['in_app','email'] ELSE ARRAY['in_app'] END, 'delivered', g % 2 = 0, true,
              now() - (g * interval '1 second' * $2::float8) + interval '20 milliseconds', now() - (g * interval '1 second' * $2::float8)
       FROM generate_series(1, $3::int) g`,
      [prefix, (30 * 86400) / (TOTAL / 2), TOTAL / 2],
    );
  }
  await pg.query(
    `INSERT INTO deliveries (notification_id, user_id, channel, status, attempts, delivered_at, created_at)
     SELECT id, user_id, 'email', CASE WHEN id % 50 = 0 THEN 'dead_lettered' ELSE 'delivered' END, 1, created_at + interval '300 milliseconds', created_at
     FROM notifications WHERE 'email' = ANY(channels)`,
  );
  await pg.query("ANALYZE");
  console.log(`seeded ${TOTAL.toLocaleString("en")} notifications in ${((performance.now() - seeded) / 1000).toFixed(0)} s`);

  const ingest = startService("ingest", { ...scratch.env, INGEST_PORT: String(PORT), LOG_LEVEL: "warn" }, { output: "inherit" });
  children.push(ingest);
  await waitReady(ingest, `http://127.0.0.1:${PORT}`);
  const token = signToken({ kind: "user", sub: "ops", role: "admin", tenant: "acme" }, loadAuthConfig({ HERALD_DEV_AUTH: "1" }), 3600);

  const rows = [];
  for (const [label, days] of [
    ["last day", 1],
    ["last week", 7],
    ["last 30 days", 30],
  ]) {
    const from = new Date(Date.now() - days * DAY).toISOString();
    const project = [];
    const raw = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t = performance.now();
      const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/admin/stats?from=${from}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!res.ok) throw new Error(`stats answered ${res.status}: ${await res.text()}`);
      await res.json();
      project.push(performance.now() - t);
      t = performance.now();
      await pg.query(
        `SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.tenant_id = 'acme' AND n.created_at >= $1`,
        [from],
      );
      raw.push(performance.now() - t);
    }
    const inWindow = Math.round(((TOTAL / 2) * days) / 30);
    rows.push([
      label,
      inWindow.toLocaleString("en"),
      median(project).toFixed(0),
      median(raw).toFixed(0),
      (median(project) / median(raw)).toFixed(1),
    ]);
  }
  console.log("\n| window | acme notifications in it | stats endpoint, median ms | bare count, median ms | ratio |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} finally {
  await pg.end().catch(() => undefined);
  await stopAll(children);
  await scratch.remove();
}
