// Router throughput with many users who have stored preferences.
//
// Seeds a scratch database with USERS users (preferences for several types,
// some with scope my_projects/all, some in DND or digest mode), fills the
// event stream with EVENTS events directly (so only the router is measured),
// then starts one router process and times it until every entry is
// acknowledged. Prints events/s, notifications/s and Postgres transactions
// per event (every router statement runs in its own transaction, so this is
// the SQL round trips per event).
//
//   npm run bench:router [-- --users 10000 --events 20000 --batch 200]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { redisNames, ROUTER_CONSUMER_GROUP } = require("@herald/runtime");
const { validateEvent } = require("@herald/contract/schemas");
const { applyMigrations } = require("@herald/db");
const { Client } = require("pg");
const { Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    events: { type: "string", default: "20000" },
    batch: { type: "string", default: "200" },
  },
});
const USERS = Number(values.users);
const EVENTS = Number(values.events);

const scratch = scratchInstall();
const { base, dbName, databaseUrl, namespace } = scratch;
const names = redisNames(namespace);
const redis = new Redis(base.redisUrl);
let pg;
let router;

const user = (i) => `u${i % USERS}`;
const rnd = (n) => Math.floor(Math.random() * n);

async function seed() {
  await applyMigrations({ databaseUrl });
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  await pg.query(
    `INSERT INTO users (id, role, projects) SELECT 'u' || g, CASE WHEN g < 5 THEN 'admin' ELSE 'user' END, ARRAY['p' || (g % 50)] FROM generate_series(0, $1 - 1) g`,
    [USERS],
  );
  // Every user stores preferences for four types; 5% widen job.failed to their projects, 1% follow all review.comment.
  await pg.query(`
    INSERT INTO notification_preferences (user_id, event_type_id, is_enabled, channels, scope)
    SELECT u.id, et.id, true,
      CASE WHEN et.name = 'job.progress' THEN ARRAY[]::text[] ELSE ARRAY['in_app'] END,
      CASE WHEN et.name = 'job.failed' AND (substr(u.id, 2)::int % 20) = 0 THEN 'my_projects'
           WHEN et.name = 'review.comment' AND (substr(u.id, 2)::int % 100) = 0 THEN 'all' ELSE 'my_jobs' END
    FROM users u CROSS JOIN event_types et WHERE et.name IN ('job.completed', 'job.failed', 'job.progress', 'review.comment')`);
  // 10% in DND, 10% in digest mode.
  await pg.query(`
    INSERT INTO user_notification_settings (user_id, dnd_enabled, digest_enabled, digest_last_sent_at)
    SELECT id, (substr(id, 2)::int % 10) = 1, (substr(id, 2)::int % 10) = 2, now() FROM users`);
}

function makeEvent(i) {
  switch (i % 6) {
    case 0:
      return { type: "job.completed", actorUserId: "ci", payload: { ownerUserId: user(rnd(USERS)), jobName: `job-${i}` } };
    case 1:
      return { type: "job.failed", projectId: `p${rnd(50)}`, payload: { ownerUserId: user(rnd(USERS)), error: "OOM" } };
    case 2:
      return {
        type: "review.submitted",
        actorUserId: user(rnd(USERS)),
        payload: { contentOwnerUserId: user(rnd(USERS)), reviewerUserIds: [user(rnd(USERS)), user(rnd(USERS))] },
      };
    case 3:
      return {
        type: "collab.mention",
        actorUserId: user(rnd(USERS)),
        payload: { mentionedUserIds: [user(rnd(USERS)), user(rnd(USERS)), user(rnd(USERS))] },
      };
    case 4:
      return { type: "review.comment", actorUserId: user(rnd(USERS)), payload: { contentOwnerUserId: user(rnd(USERS)), comment: "lgtm" } };
    default:
      return { type: "job.progress", payload: { ownerUserId: user(rnd(USERS)), percent: 50 } };
  }
}

async function fillStream() {
  const now = new Date();
  for (let start = 0; start < EVENTS; start += 1000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(EVENTS, start + 1000); i++) {
      const result = validateEvent(makeEvent(i), { now, producer: "bench" });
      pipeline.xadd(names.eventStream, "*", "event", JSON.stringify(result.event));
    }
    await pipeline.exec();
  }
}

const commits = async () =>
  Number((await pg.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [dbName])).rows[0].xact_commit);

try {
  console.log(`seeding ${USERS} users with stored preferences and settings…`);
  await seed();
  await fillStream();
  const env = {
    DATABASE_URL: databaseUrl,
    HERALD_NAMESPACE: namespace,
    LOG_LEVEL: process.env.ROUTER_LOG_LEVEL ?? "warn",
    ROUTER_PORT: "3192",
    MIGRATE_ON_START: "false",
    ROUTER_BATCH_SIZE: values.batch,
  };
  await pg.query("SELECT pg_stat_clear_snapshot()");
  const before = await commits();
  const started = performance.now();
  router = startService("router", env, { output: process.env.ROUTER_LOG_LEVEL ? "inherit" : "ignore" });
  await waitReady(router, "http://127.0.0.1:3192");
  for (;;) {
    const groups = await redis.xinfo("GROUPS", names.eventStream);
    const group = groups
      .map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]])))
      .find((g) => g.name === ROUTER_CONSUMER_GROUP);
    if (group && Number(group["entries-read"]) >= EVENTS && Number(group.pending) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 600)); // stats are published with a small delay
  await pg.query("SELECT pg_stat_clear_snapshot()");
  const transactions = (await commits()) - before;
  const { rows } = await pg.query(`SELECT status, count(*)::int AS n FROM notifications GROUP BY status ORDER BY status`);
  const notifications = rows.reduce((sum, r) => sum + r.n, 0);
  console.log(`router throughput: ${USERS} users with stored preferences, ${EVENTS} events, batch ${values.batch}`);
  console.log(
    `  ${(EVENTS / seconds).toFixed(0)} events/s, ${(notifications / seconds).toFixed(0)} notifications/s (${seconds.toFixed(2)} s, incl. process start)`,
  );
  console.log(`  notifications by status: ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}`);
  console.log(
    `  Postgres transactions: ${transactions} (${(transactions / EVENTS).toFixed(3)} per event, ~${((transactions / EVENTS) * Number(values.batch)).toFixed(1)} per batch)`,
  );
} finally {
  if (router) await stopAll([router]);
  await pg?.end();
  redis.disconnect();
  await scratch.remove();
}
