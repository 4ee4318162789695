// Retention's delete rate on about a million rows, and the longest lock it holds.
//
// Seeds a scratch database with EVENTS expired events (each with one unread
// notification, which must survive with the event's payload), READ expired
// read notifications, CAPPED users over the per-user cap by 1000 read
// notifications each, plus recent events and users under the cap that
// nothing may touch. Then runs one retention pass (the digest-scheduler's own
// runRetention, compiled, on the default batch size) while a concurrent writer
// does what the router and the gateway do: it inserts new notifications and
// marks random notifications of the expiring events read (rows retention
// updates, so real row-lock conflicts). Prints:
//   - rows deleted per second;
//   - the longest retention statement: every batch is one statement in its own
//     transaction, so this is the longest any lock of retention is held (timed
//     by the client, so it includes this process waiting for a CPU); also the
//     longest transaction age of retention's connections seen by sampling
//     pg_stat_activity every 10 ms, as a cross-check;
//   - the writer's p99 and max statement time during retention, beside the
//     same writer alone in the same run (raw baseline), and their ratio; and
//     the writer's longest wait on a lock, sampled, which tells lock waits
//     from a busy machine.
//
//   npm run bench:retention [-- --events 500000 --read 400000 --capped 100 --batch 1000]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { ROOT } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { applyMigrations, createDatabase } = require("@herald/db");
const { runRetention } = require(`${ROOT}/services/digest-scheduler/dist/run-retention.js`);
const { Client } = require("pg");

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "500000" },
    read: { type: "string", default: "400000" },
    capped: { type: "string", default: "100" },
    users: { type: "string", default: "2000" },
    batch: { type: "string", default: "1000" },
    baseline: { type: "string", default: "5" },
  },
});
const EVENTS = Number(values.events);
const READ = Number(values.read);
const CAPPED = Number(values.capped);
const USERS = Number(values.users);
const BATCH = Number(values.batch);
const CAP = 1000;
const DAY = 86_400_000;

const scratch = scratchInstall();
const { databaseUrl } = scratch;
const withApp = (name) => Object.assign(new URL(databaseUrl), { search: `?application_name=${name}` }).toString();
let pg;
let db;

async function seed() {
  await applyMigrations({ databaseUrl });
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const type = (await pg.query(`SELECT id FROM event_types WHERE name = 'job.completed'`)).rows[0].id;
  await pg.query(`INSERT INTO users (id) SELECT 'u' || g FROM generate_series(0, $1 - 1) g`, [USERS]);
  await pg.query(`INSERT INTO users (id) SELECT 'c' || g FROM generate_series(0, $1 - 1) g`, [CAPPED]);
  // Expired events, 40 days old, one unread notification each.
  await pg.query(
    `INSERT INTO events (id, event_type_id, payload, occurred_at, created_at)
     SELECT 'old-' || g, $2, jsonb_build_object('ownerUserId', 'u' || (g % $3), 'jobName', 'job-' || g),
            now() - interval '40 days', now() - interval '40 days' + g * interval '1 ms'
     FROM generate_series(1, $1) g`,
    [EVENTS, type, USERS],
  );
  await pg.query(
    `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, status, is_delivered, created_at)
     SELECT 'old-' || g, 'u' || (g % $2), 'job.completed', 'job', 'Job completed', 'job-' || g || ' completed', 'delivered', true,
            now() - interval '40 days' + g * interval '1 ms'
     FROM generate_series(1, $1) g`,
    [EVENTS, USERS],
  );
  // Recent events that stay.
  await pg.query(
    `INSERT INTO events (id, event_type_id, payload, occurred_at) SELECT 'new-' || g, $2, '{}', now() FROM generate_series(1, $1) g`,
    [100_000, type],
  );
  // Expired read notifications (no event: their events went long ago).
  await pg.query(
    `INSERT INTO notifications (user_id, event_type, category, title, body, status, is_delivered, is_read, read_at, created_at)
     SELECT 'u' || (g % $2), 'job.completed', 'job', 'Job completed', 'old read', 'delivered', true, true, now() - interval '95 days',
            now() - interval '100 days' + g * interval '1 ms'
     FROM generate_series(1, $1) g`,
    [READ, USERS],
  );
  // Users over the cap: 1000 recent unread and 1000 recent read (older) each; the read ones go.
  await pg.query(
    `INSERT INTO notifications (user_id, event_type, category, title, body, status, is_delivered, is_read, created_at)
     SELECT 'c' || u, 'job.completed', 'job', 'Job completed', 'capped', 'delivered', true, k <= $2, now() - interval '1 day'
     FROM generate_series(0, $1 - 1) u CROSS JOIN generate_series(1, 2 * $2) k ORDER BY k, u`,
    [CAPPED, CAP],
  );
  await pg.query("VACUUM ANALYZE");
}

const count = async (sql) => Number((await pg.query(sql)).rows[0].n);

/** Runs until `stop()`: each round inserts one notification and marks one expiring one read, timing every statement. */
function startWriter() {
  const writer = new Client({ connectionString: withApp("bench-writer") });
  const times = [];
  let running = true;
  const done = (async () => {
    await writer.connect();
    let i = 0;
    while (running) {
      let t = performance.now();
      await writer.query(
        `INSERT INTO notifications (user_id, event_type, category, title, body, status) VALUES ('u' || $1, 'job.completed', 'job', 't', 'b', 'delivered')`,
        [i % USERS],
      );
      times.push(performance.now() - t);
      t = performance.now();
      await writer.query(`UPDATE notifications SET is_read = true, read_at = now() WHERE event_id = $1`, [
        `old-${1 + Math.floor(Math.random() * EVENTS)}`,
      ]);
      times.push(performance.now() - t);
      i++;
    }
    await writer.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      const sorted = [...times].sort((a, b) => a - b);
      return { n: sorted.length, p99: sorted[Math.floor(sorted.length * 0.99)], max: sorted.at(-1) };
    },
  };
}

/**
 * Sampled every 10 ms from pg_stat_activity: the oldest open transaction of
 * retention's connections (how long it has held its locks), and the longest
 * the writer has been waiting on a lock (as opposed to on the CPU).
 */
function sampleActivity() {
  const sampler = new Client({ connectionString: databaseUrl });
  let running = true;
  let longest = 0;
  let writerLockWait = 0;
  const done = (async () => {
    await sampler.connect();
    while (running) {
      const { rows } = await sampler.query(
        `SELECT
           COALESCE(max(extract(epoch FROM clock_timestamp() - xact_start) * 1000) FILTER (WHERE application_name = 'bench-retention'), 0) AS held,
           COALESCE(max(extract(epoch FROM clock_timestamp() - query_start) * 1000)
             FILTER (WHERE application_name = 'bench-writer' AND wait_event_type = 'Lock'), 0) AS waited
         FROM pg_stat_activity WHERE xact_start IS NOT NULL`,
      );
      longest = Math.max(longest, Number(rows[0].held));
      writerLockWait = Math.max(writerLockWait, Number(rows[0].waited));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await sampler.end();
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { longest, writerLockWait };
    },
  };
}

try {
  console.log(
    `seeding ${EVENTS} expired events with a notification each, ${READ} expired read notifications, ${CAPPED} users over the cap by ${CAP}…`,
  );
  await seed();
  const before = await count("SELECT count(*) AS n FROM notifications");
  db = createDatabase(withApp("bench-retention"));
  await db.$queryRaw`SELECT 1`; // connects, so that no statement below pays for it
  // Every statement of retention is its own transaction: time each (so how long it held its locks), by kind.
  const statements = [];
  for (const method of ["$executeRaw", "$queryRaw"]) {
    const run = db[method].bind(db);
    db[method] = async (strings, ...params) => {
      const t = performance.now();
      try {
        return await run(strings, ...params);
      } finally {
        statements.push({ ms: performance.now() - t, kind: strings.join("?").replace(/\s+/g, " ").trim().slice(0, 60) });
      }
    };
  }

  const baselineWriter = startWriter();
  await new Promise((resolve) => setTimeout(resolve, Number(values.baseline) * 1000));
  const baseline = await baselineWriter.stop();

  const writer = startWriter();
  const sampler = sampleActivity();
  const pusher = { pushUnreadCounts: async () => {} };
  const config = { tickMs: 3_600_000, eventMs: 30 * DAY, readNotificationMs: 90 * DAY, maxPerUser: CAP, batchSize: BATCH };
  const started = performance.now();
  const outcome = await runRetention(db, pusher, config, new Date());
  const seconds = (performance.now() - started) / 1000;
  const during = await writer.stop();
  const sampled = await sampler.stop();

  const deleted = outcome.events + outcome.readNotifications + outcome.overCap;
  const kept = await count("SELECT count(*) AS n FROM notifications WHERE payload->>'jobName' LIKE 'job-%' AND event_id IS NULL");
  const sorted = statements.map((st) => st.ms).sort((a, b) => a - b);
  const byKind = new Map();
  for (const { ms, kind } of statements) {
    const k = byKind.get(kind) ?? { n: 0, total: 0, max: 0 };
    byKind.set(kind, { n: k.n + 1, total: k.total + ms, max: Math.max(k.max, ms) });
  }
  console.log(`retention on ${before} notifications and ${EVENTS + 100_000} events, batch ${BATCH}`);
  console.log(
    `  deleted ${deleted} rows (${outcome.events} events, ${outcome.readNotifications} read notifications, ${outcome.overCap} over the cap) in ${seconds.toFixed(1)} s: ${(deleted / seconds).toFixed(0)} rows/s`,
  );
  console.log(`  notifications that outlived their event, payload copied: ${kept} of ${EVENTS}`);
  console.log(
    `  longest lock held (longest batch statement = its transaction): ${sorted.at(-1).toFixed(1)} ms; p99 ${sorted[Math.floor(sorted.length * 0.99)].toFixed(1)} ms over ${sorted.length} statements; sampled pg_stat_activity max ${sampled.longest.toFixed(1)} ms`,
  );
  for (const [kind, k] of [...byKind].sort((a, b) => b[1].total - a[1].total)) {
    console.log(`    ${k.n} × "${kind}…": ${(k.total / 1000).toFixed(1)} s in all, max ${k.max.toFixed(1)} ms`);
  }
  console.log(
    `  concurrent writer (insert + mark read of an expiring row): max ${during.max.toFixed(1)} ms, p99 ${during.p99.toFixed(1)} ms over ${during.n} statements; alone in this run (baseline): max ${baseline.max.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms; ratio max ${(during.max / baseline.max).toFixed(1)}, p99 ${(during.p99 / baseline.p99).toFixed(1)}`,
  );
  console.log(`  the writer's longest wait on a lock (sampled pg_stat_activity): ${sampled.writerLockWait.toFixed(1)} ms`);
} finally {
  await db?.$disconnect();
  await pg?.end();
  await scratch.remove();
}
