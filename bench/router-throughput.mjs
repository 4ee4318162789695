// Router throughput with many users who have stored preferences, beside a
// raw ceiling on the same schema, alternating in one run.
//
// Seeds a scratch database with USERS users (preferences for several types,
// some with scope my_projects/all, some in DND or digest mode). Each round
// starts one router process and, once it is ready, fills the event stream
// with EVENTS events directly (so only the router is measured) and times it
// until every entry is acknowledged; then the raw ceiling stores the same rows again under fresh
// event ids with no routing logic: per batch (cut as the router's are) one multi-row
// INSERT of the events, one INSERT of their notifications through unnest,
// and one pipelined PUBLISH per notification. Prints events/s,
// notifications/s, Postgres transactions per event (every router statement
// runs in its own transaction, so this is the SQL round trips per event) and
// the router's share of the raw ceiling in notifications/s, within each round.
//
//   npm run bench:router [-- --users 10000 --events 20000 --batch 1000 --rounds 2 --profile DIR --before ROOT]
//   npm run bench:router -- --routers 1,2,3 --cluster [--users 2000 --events 10000 --rounds 2]
//
// With `--before ROOT` (another checkout, built) its router also routes a
// fresh stream of the same mix in each round, against the same raw ceiling:
// before and after in one run (taking turns to go first, as each run leaves
// the table larger; the raw ceiling deletes its rows again, untimed). With `--mix single` every event has one
// recipient (a job's completion for its owner): the events/s target of #16.
//
// With `--mix bursty` it measures grouping instead: each round routes a bursty
// mix (runs of 20 events of one group: comments on one review, a groupKey'd
// batch of completions, a job's progress, then the usual mix) twice, once as published (grouped:
// each run is one notification updated in place) and once with the groupKey
// and source taken off (every event its own notification), and prints both
// and their ratio within the round.
//
// With `--subscriptions N` (and `--mix single`, whose events name the projects)
// each round also routes two fresh streams beside the router with none stored:
// one with N webhook subscriptions that the stream's events never match (all
// on review.*: the cost of matching), and one with N of which half are on the
// stream's type, one per project, so that each event matches one and gets its
// delivery row and queue job (the cost of delivering too). It prints each
// one's events/s and ratio to none within the round, and times the matching
// alone in this process (SubscriptionIndex.match over N subscriptions beside
// none, and beside a scan of all N per event).
//
// With `--routers 1,2,3` and/or `--cluster` (usual mix, or `--mix single`) it measures scaling instead: in
// each round, for each count N, N router processes (one consumer group,
// one stream) route EVENTS events on one Redis (a redis-server of the
// bench's own, bench/lib/private-redis.mjs) and then, with
// --cluster, on a local 3-master Redis Cluster (scripts/redis-cluster.mjs);
// the order of the two flips every round, and each round starts at the
// next count. The routers are started and ready
// on an empty stream before the clock starts, so process start and the
// cluster client's slot discovery are not timed. Prints events/s and
// notifications/s per count and target, the cluster ÷ single ratio within
// the round, and what each run used: the routers' busy share of the wall
// time, CPU cores used by the Postgres backends serving them and by Redis,
// and the machine's idle share (near 0: the two cores were saturated).
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { printProfile } from "./lib/cpu-profile-summary.mjs";
import { freePort } from "./lib/free-port.mjs";
import { startPrivateRedis } from "./lib/private-redis.mjs";
import { withoutHeraldTriggers } from "./lib/without-herald-triggers.mjs";
import { idleShare, machineCpu, processCpuSeconds } from "./lib/process-cpu.mjs";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";
import { startRedisCluster } from "../scripts/redis-cluster.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { redisNames, ROUTER_CONSUMER_GROUP } = require("@herald/runtime");
const { validateEvent } = require("@herald/contract/schemas");
const { SubscriptionIndex, matchesAnyEventTypePattern } = require("@herald/contract");
const { applyMigrations } = require("@herald/db");
const { Client } = require("pg");
const { Cluster, Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    events: { type: "string", default: "20000" },
    // ROUTER_BATCH_SIZE for the router (unset: its default), and the most events of a raw batch.
    batch: { type: "string" },
    rounds: { type: "string", default: "2" },
    mix: { type: "string", default: "usual" },
    // A directory: each round's router runs under `node --cpu-prof` and its top frames are printed.
    profile: { type: "string" },
    // Another checkout's root, built: its router is measured in the same rounds too.
    before: { type: "string" },
    subscriptions: { type: "string", default: "0" },
    // Router counts to measure side by side, e.g. 1,2,3 (scaling mode).
    routers: { type: "string" },
    // Each run on a local 3-master Redis Cluster too (scaling mode).
    cluster: { type: "boolean", default: false },
  },
});
const USERS = Number(values.users);
const EVENTS = Number(values.events);
// As the router batches by default (ROUTER_BATCH_SIZE, ROUTER_BATCH_ROWS): up to 1,000 events, aiming at 4,000
// rows; the raw ceiling cuts its batches the same way, by the rows it inserts.
const BATCH = Number(values.batch ?? 1000);
const BATCH_ROWS = 4_000;
const ROUNDS = Number(values.rounds);
const SUBSCRIPTIONS = Number(values.subscriptions);
/** Projects the events name (and half the subscriptions filter on, one each). */
const PROJECTS = Math.max(1, Math.floor(SUBSCRIPTIONS / 2));

const scratch = scratchInstall();
const { base, dbName, databaseUrl, namespace } = scratch;
const names = redisNames(namespace);
const redis = new Redis(base.redisUrl);
let pg;
let router;
// Scaling mode: the routers of the run in progress, the bench's own Redis, the local cluster, and their clients.
let scaledRouters = [];
let ownRedis;
let ownRedisClient;
let cluster;
let clusterClient;

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

/** `--mix single`: one recipient per event (the owner of a completed job, who keeps in_app for it). */
const makeSingleEvent = (i) => ({
  type: "job.completed",
  actorUserId: "ci",
  ...(SUBSCRIPTIONS > 0 && { projectId: `sp${rnd(PROJECTS)}` }),
  payload: { ownerUserId: user(rnd(USERS)), jobName: `job-${i}` },
});

/** Subscriptions the `--subscriptions` runs store: i < N/2 on job.* of project sp<i>, the others on review.* of theirs. */
const subscriptionShape = (i) =>
  i < PROJECTS ? { eventTypes: ["job.*"], projectId: `sp${i}` } : { eventTypes: ["review.*"], projectId: `sp${i - PROJECTS}` };

/**
 * Stores `count` subscriptions (none: deletes them all) and tells the router, as ingest does.
 * With `matching` false every one is on review.* (matched against, never matching the stream).
 */
async function setSubscriptions(count, { matching = true } = {}) {
  await pg.query("DELETE FROM subscriptions");
  if (count > 0) {
    await pg.query(
      `INSERT INTO subscriptions (id, tenant_id, producer, url, event_types, project_id, secret)
       SELECT 'sub_' || lpad(g::text, 8, '0'), 'default', 'bench', 'http://127.0.0.1:9/hook',
              CASE WHEN g < $2 AND $3 THEN '{job.*}'::text[] ELSE '{review.*}'::text[] END,
              'sp' || CASE WHEN g < $2 THEN g ELSE g - $2 END, 'whsec_' || encode(decode(md5(g::text) || md5(random()::text), 'hex'), 'base64')
       FROM generate_series(0, $1 - 1) g`,
      [count, PROJECTS, matching],
    );
  }
  await redis.incr(names.subscriptionVersionKey);
}

/**
 * SubscriptionIndex.match in this process: matches per second over `count`
 * subscriptions; with `scan`, the per-event scan the index replaces (every
 * subscription's patterns and filter checked), for comparison.
 */
function matchRate(count, { scan = false } = {}) {
  const subscriptions = Array.from({ length: count }, (_, i) => {
    const { eventTypes, projectId } = subscriptionShape(i);
    return { id: `sub_${i}`, tenantId: "default", eventTypes, filter: { projectId } };
  });
  const index = scan
    ? {
        match: (e) =>
          subscriptions
            .filter(
              (s) => s.tenantId === e.tenantId && matchesAnyEventTypePattern(s.eventTypes, e.type) && s.filter.projectId === e.projectId,
            )
            .map((s) => s.id),
      }
    : new SubscriptionIndex(subscriptions);
  const events = Array.from({ length: 1000 }, (_, i) => ({ tenantId: "default", type: "job.completed", projectId: `sp${i % PROJECTS}` }));
  let matched = 0;
  const n = scan ? 2_000 : 500_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) matched += index.match(events[i % events.length]).length;
  return { perSecond: n / ((performance.now() - started) / 1000), matched: matched / n };
}

const BURST = 20;

/**
 * The bursty mix: runs of BURST events of one group (comments on one review, a groupKey'd batch of
 * completions), a run of one job's progress (grouped by its source; muted by the seeded preferences,
 * so stored as events only), then the usual mix; or the same without their grouping (no groupKey, no source).
 */
function makeBurstyEvent(i, grouped) {
  const run = Math.floor(i / BURST);
  const owner = user(run * 7);
  switch (run % 4) {
    case 0:
      return {
        type: "review.comment",
        actorUserId: user(run * 7 + 1),
        ...(grouped && { groupKey: `review-${filled}-${run}` }),
        payload: { contentOwnerUserId: owner, comment: `comment ${i}` },
      };
    case 1:
      return {
        type: "job.completed",
        projectId: `p${run % 50}`,
        ...(grouped && { groupKey: `nightly-${filled}-${run}` }),
        payload: { ownerUserId: owner, jobName: `job-${i}` },
      };
    case 2:
      return {
        type: "job.progress",
        ...(grouped && { source: { type: "job", id: `job-${filled}-${run}` } }),
        payload: { ownerUserId: owner, jobName: `job-${run}`, percent: (i % BURST) * 5 },
      };
    default:
      return makeEvent(i);
  }
}

let filled = 0;

/** EVENTS new events on the stream; returns them as the router will read them. */
async function fillStream(make = makeEvent, client = redis) {
  const now = new Date();
  const events = [];
  filled += EVENTS;
  for (let start = 0; start < EVENTS; start += 1000) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(EVENTS, start + 1000); i++) {
      const result = validateEvent(make(i), { now, producer: "bench" });
      events.push(result.event);
      pipeline.xadd(names.eventStream, "*", "event", JSON.stringify(result.event));
    }
    await pipeline.exec();
  }
  return events;
}

const commits = async () =>
  Number((await pg.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [dbName])).rows[0].xact_commit);

const routerEnv = {
  DATABASE_URL: databaseUrl,
  HERALD_NAMESPACE: namespace,
  LOG_LEVEL: process.env.ROUTER_LOG_LEVEL ?? "warn",
  ROUTER_PORT: "3192",
  MIGRATE_ON_START: "false",
  ...(values.batch && { ROUTER_BATCH_SIZE: values.batch }),
};

/** One router process from start until it has acknowledged every entry on the stream; `root`: whose build. */
async function routerRound(round, make = makeEvent, label = "router", root = ROOT) {
  const profile = values.profile && { dir: values.profile, name: `${label.replace(/\W+/g, "-")}-round-${round}.cpuprofile` };
  const output = process.env.ROUTER_LOG_LEVEL ? "inherit" : "ignore";
  const nodeArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${profile.name}`] : [];
  router =
    root === ROOT
      ? startService("router", routerEnv, { output, nodeArgs })
      : spawn(process.execPath, [...nodeArgs, path.join(root, "services", "router", "dist", "main.js")], {
          cwd: root,
          env: { ...process.env, ...routerEnv },
          stdio: ["ignore", output, output],
        });
  await waitReady(router, "http://127.0.0.1:3192");
  // The clock starts once the router is ready on an empty stream, as in the scaling mode and as the raw
  // ceiling has no start-up: a process start is paid once, not per notification.
  await pg.query("SELECT pg_stat_clear_snapshot()");
  const before = await commits();
  const started = performance.now();
  const events = await fillStream(make);
  for (;;) {
    const groups = await redis.xinfo("GROUPS", names.eventStream);
    const group = groups
      .map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]])))
      .find((g) => g.name === ROUTER_CONSUMER_GROUP);
    if (group && Number(group["entries-read"]) >= filled && Number(group.pending) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  await stopAll([router]);
  router = undefined;
  if (profile) printProfile(`${profile.dir}/${profile.name}`, 15);
  await new Promise((resolve) => setTimeout(resolve, 600)); // stats are published with a small delay
  await pg.query("SELECT pg_stat_clear_snapshot()");
  const transactions = (await commits()) - before;
  const ids = events.map((e) => e.id);
  const { rows } = await pg.query(
    `SELECT status, count(*)::int AS n, sum(count)::int AS events FROM notifications WHERE event_id = ANY($1::text[]) GROUP BY status ORDER BY status`,
    [ids],
  );
  const notifications = rows.reduce((sum, r) => sum + r.n, 0);
  const represented = rows.reduce((sum, r) => sum + r.events, 0);
  console.log(
    `round ${round}, ${label}: ${(EVENTS / seconds).toFixed(0)} events/s, ${(notifications / seconds).toFixed(0)} notifications/s (${seconds.toFixed(2)} s from a ready router)`,
  );
  if (represented !== notifications)
    console.log(`  ${notifications} notifications standing for ${represented} user notifications (grouping)`);
  console.log(`  notifications by status: ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}`);
  console.log(
    `  Postgres transactions: ${transactions} (${(transactions / EVENTS).toFixed(3)} per event, ${((transactions / notifications) * 1000).toFixed(1)} per 1,000 notifications)`,
  );
  return { events, notificationsPerSecond: notifications / seconds, eventsPerSecond: EVENTS / seconds, notifications };
}

/**
 * The raw ceiling: the rows the router stored for `events`, stored again
 * under fresh event ids with no routing logic, a batch at a time, and one
 * PUBLISH per notification (to a channel no one listens on, as an emitter's
 * push to an empty room is), with Herald's own triggers off (withoutHeraldTriggers).
 */
async function rawRound(round, events) {
  return withoutHeraldTriggers(pg, () => rawInserts(round, events));
}

async function rawInserts(round, events) {
  const { rows: stored } = await pg.query(
    `SELECT event_id, user_id, event_type, category, critical, title, body, channels, status
     FROM notifications WHERE event_id = ANY($1::text[])`,
    [events.map((e) => e.id)],
  );
  const byEvent = new Map();
  for (const row of stored) byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), row]);
  const typeIds = new Map((await pg.query("SELECT id, name FROM event_types")).rows.map((r) => [r.name, r.id]));
  const publisher = new Redis(base.redisUrl);
  const channel = `${namespace}:raw-push`;
  const suffix = `-raw${round}`;
  let notifications = 0;
  const started = performance.now();
  for (let start = 0; start < events.length;) {
    // Events until BATCH_ROWS rows or BATCH events, as the router's BatchSizer aims.
    let end = start;
    for (let rows = 0; end < events.length && end - start < BATCH && rows < BATCH_ROWS; end++)
      rows += byEvent.get(events[end].id)?.length ?? 1;
    const batch = events.slice(start, end);
    start = end;
    const params = [];
    const tuples = batch.map((e) => {
      const at = params.length;
      params.push(e.id + suffix, typeIds.get(e.type), e.source?.type ?? null, e.source?.id ?? null, e.actorUserId ?? null);
      params.push(e.projectId ?? null, e.producer ?? null, JSON.stringify(e.payload), e.occurredAt);
      return `(${Array.from({ length: 9 }, (_, i) => `$${at + i + 1}`).join(", ")})`;
    });
    await pg.query(
      `INSERT INTO events (id, event_type_id, source_entity_type, source_entity_id, actor_user_id, project_id, producer, payload, occurred_at)
       VALUES ${tuples.join(", ")}`,
      params,
    );
    const rows = batch.flatMap((e) => byEvent.get(e.id) ?? []);
    const column = (f) => rows.map(f);
    const { rows: inserted } = await pg.query(
      `INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, channels, status)
       SELECT n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, string_to_array(n.channels, ','), n.status
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS n(event_id, user_id, event_type, category, critical, title, body, channels, status)
       RETURNING id, event_id, user_id, event_type, title, body, created_at`,
      [
        column((r) => r.event_id + suffix),
        column((r) => r.user_id),
        column((r) => r.event_type),
        column((r) => r.category),
        column((r) => r.critical),
        column((r) => r.title),
        column((r) => r.body),
        column((r) => r.channels.join(",")),
        column((r) => r.status),
      ],
    );
    const pipeline = publisher.pipeline();
    for (const row of inserted) pipeline.publish(channel, JSON.stringify(row));
    await pipeline.exec();
    notifications += inserted.length;
  }
  const seconds = (performance.now() - started) / 1000;
  publisher.disconnect();
  // Untimed: its rows go again, so that the runs after it find the table as large as they would without it.
  const rawIds = events.map((e) => e.id + suffix);
  await pg.query("DELETE FROM notifications WHERE event_id = ANY($1::text[])", [rawIds]);
  await pg.query("DELETE FROM events WHERE id = ANY($1::text[])", [rawIds]);
  await pg.query("VACUUM (ANALYZE) notifications, events");
  console.log(`round ${round}, raw ceiling: ${(notifications / seconds).toFixed(0)} notifications/s (${seconds.toFixed(2)} s)`);
  return { notificationsPerSecond: notifications / seconds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");

/** The router group's progress on `client`'s stream: done once it has read `entries` and has none pending. */
async function groupDone(client, entries) {
  const groups = await client.xinfo("GROUPS", names.eventStream);
  const group = groups
    .map((g) => Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]])))
    .find((g) => g.name === ROUTER_CONSUMER_GROUP);
  return group !== undefined && Number(group["entries-read"]) >= entries && Number(group.pending) === 0;
}

/** CPU seconds Redis has used so far: the masters of a cluster added up (its replicas copy the stream too, not counted). */
async function redisCpuSeconds(client) {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  const infos = await Promise.all(nodes.map((node) => node.info("cpu")));
  return infos
    .map((info) => Object.fromEntries(info.split("\r\n").map((line) => line.split(":"))))
    .reduce((sum, cpu) => sum + Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys), 0);
}

/** CPU seconds used so far by the Postgres backends serving this database (the routers' connections), this process's own left out. */
async function postgresCpuSeconds() {
  const { rows } = await pg.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName]);
  return rows.map((r) => processCpuSeconds(r.pid) ?? 0).reduce((a, b) => a + b, 0);
}

/** What the Postgres backends serving this database are doing now, counted by kind. */
async function backendStates() {
  const { rows } = await pg.query(
    `SELECT CASE WHEN state = 'active' AND wait_event_type IS NULL THEN 'running'
                 WHEN state = 'active' AND wait_event_type = 'Lock' THEN 'lock'
                 WHEN state = 'active' THEN 'other wait'
                 WHEN state = 'idle in transaction' THEN 'in transaction'
                 ELSE 'idle' END AS kind, count(*)::int AS n
     FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend' GROUP BY 1`,
    [dbName],
  );
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

const BACKEND_KINDS = ["running", "lock", "other wait", "in transaction", "idle"];

/**
 * `count` routers of one consumer group on `target`'s stream: started and
 * ready on the empty stream first, then timed from the first XADD of EVENTS
 * events until the group has acknowledged them all.
 */
async function scaledRun(count, target) {
  const output = process.env.ROUTER_LOG_LEVEL ? "inherit" : "ignore";
  // Ports nobody listens on: on a fixed one, another bench's router could answer /ready for one of these.
  const ports = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  const routers = ports.map((port, i) =>
    startService(
      "router",
      { ...routerEnv, ...target.env, ROUTER_PORT: String(port), ROUTER_CONSUMER_NAME: `bench-router-${i + 1}` },
      { output },
    ),
  );
  scaledRouters = routers;
  await Promise.all(routers.map((r, i) => waitReady(r, `http://127.0.0.1:${ports[i]}`)));
  const routerCpu0 = routers.map((r) => processCpuSeconds(r.pid) ?? 0);
  const [postgres0, redis0] = [await postgresCpuSeconds(), await redisCpuSeconds(target.client)];
  const machine0 = machineCpu();
  const load0 = os.loadavg()[0];
  const started = performance.now();
  const events = await fillStream(values.mix === "single" ? makeSingleEvent : makeEvent, target.client);
  target.filled += EVENTS;
  // Sampled while they route: how many backends run, wait on a row lock (a user another router is storing for), wait
  // otherwise (I/O, WAL), or wait for their router (idle, or idle inside its transaction).
  const sampled = Object.fromEntries(BACKEND_KINDS.map((kind) => [kind, 0]));
  let samples = 0;
  while (!(await groupDone(target.client, target.filled))) {
    // A figure from fewer routers than it names would be wrong: stop instead.
    const gone = routers.findIndex((r) => r.exitCode !== null || r.signalCode !== null);
    if (gone >= 0)
      throw new Error(
        `router ${gone + 1} of ${count} on ${target.label} exited (${routers[gone].exitCode ?? routers[gone].signalCode}) during the run`,
      );
    const states = await backendStates();
    for (const kind of BACKEND_KINDS) sampled[kind] += states[kind] ?? 0;
    samples += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const backends = Object.fromEntries(BACKEND_KINDS.map((kind) => [kind, samples ? sampled[kind] / samples : 0]));
  const seconds = (performance.now() - started) / 1000;
  const machine = idleShare(machine0, machineCpu());
  const routerBusy = routers.map((r, i) => ((processCpuSeconds(r.pid) ?? Number.NaN) - routerCpu0[i]) / seconds);
  const postgresCores = ((await postgresCpuSeconds()) - postgres0) / seconds;
  const redisCores = ((await redisCpuSeconds(target.client)) - redis0) / seconds;
  const load = Math.max(load0, os.loadavg()[0]);
  await stopAll(routers);
  scaledRouters = [];
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM notifications WHERE event_id = ANY($1::text[])`, [
    events.map((e) => e.id),
  ]);
  const result = {
    eventsPerSecond: EVENTS / seconds,
    notificationsPerSecond: rows[0].n / seconds,
    routerBusy,
    backends,
    postgresCores,
    redisCores,
    machineIdle: machine,
    load,
  };
  const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : "n/a");
  console.log(
    `  ${count} router${count > 1 ? "s" : " "} on ${target.label.padEnd(12)} ${fmt(result.eventsPerSecond).padStart(6)} events/s, ${fmt(result.notificationsPerSecond).padStart(6)} notifications/s (${seconds.toFixed(2)} s)` +
      ` | routers busy ${routerBusy.map(pct).join(" / ")}, Postgres ${postgresCores.toFixed(2)} cores, Redis ${redisCores.toFixed(2)} cores, machine idle ${pct(machine)}, load ${load.toFixed(1)}`,
  );
  console.log(`      Postgres backends on average: ${BACKEND_KINDS.map((kind) => `${backends[kind].toFixed(2)} ${kind}`).join(", ")}`);
  return result;
}

/** `--routers` / `--cluster`: events/s of 1, 2, 3… routers on one Redis and on a cluster, alternating within each round. */
async function scalingRounds() {
  const counts = (values.routers ?? "1").split(",").map((c) => Number(c.trim()));
  if (counts.some((c) => !Number.isInteger(c) || c < 1 || c > 8))
    throw new Error(`--routers: expected counts 1 to 8, e.g. 1,2,3; got ${values.routers}`);
  ownRedis = await startPrivateRedis(await freePort());
  ownRedisClient = new Redis(ownRedis.url);
  const targets = [{ label: "one Redis", client: ownRedisClient, env: { REDIS_URL: ownRedis.url }, filled: 0 }];
  if (values.cluster) {
    cluster = await startRedisCluster();
    const seeds = cluster.ports.map((port) => ({ host: "127.0.0.1", port }));
    clusterClient = new Cluster(seeds);
    targets.push({ label: "the cluster", client: clusterClient, env: { REDIS_CLUSTER_NODES: cluster.nodes }, filled: 0 });
  }
  console.log(
    `router scaling, ${values.mix} mix: ${USERS} users with stored preferences, ${EVENTS} events per run, batches of up to ${BATCH} events and ~${BATCH_ROWS} rows, routers ${counts.join(", ")}` +
      (values.cluster ? ", one Redis and a local 3-master cluster (3 replicas) in turn" : "") +
      `; ${os.cpus().length} cores`,
  );
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}:`);
    // Flip the order each round: tables grow run by run, so neither target always goes second.
    const ordered = round % 2 ? targets : [...targets].reverse();
    // And start each round at another count: the tables grow run by run, which would otherwise always slow the last count.
    const shift = (round - 1) % counts.length;
    for (const count of [...counts.slice(shift), ...counts.slice(0, shift)]) {
      const byTarget = {};
      for (const target of ordered) byTarget[target.label] = await scaledRun(count, target);
      runs.push({ round, count, ...byTarget });
      if (values.cluster) {
        const ratio = byTarget["the cluster"].eventsPerSecond / byTarget["one Redis"].eventsPerSecond;
        console.log(`  ${count} router${count > 1 ? "s" : ""}: cluster at ${ratio.toFixed(2)}× one Redis in events/s`);
      }
    }
  }
  const of = (count, label, key) => median(runs.filter((r) => r.count === count).map((r) => r[label][key]));
  const ratios = (count) =>
    runs.filter((r) => r.count === count).map((r) => r["the cluster"].eventsPerSecond / r["one Redis"].eventsPerSecond);
  console.log(`\nmedian of ${ROUNDS} rounds; cluster ÷ one Redis within each round, "vs 1" against one router on the same target:`);
  console.table(
    counts.map((count) => ({
      routers: count,
      "one Redis events/s": fmt(of(count, "one Redis", "eventsPerSecond")),
      "notifications/s": fmt(of(count, "one Redis", "notificationsPerSecond")),
      "vs 1": (of(count, "one Redis", "eventsPerSecond") / of(counts[0], "one Redis", "eventsPerSecond")).toFixed(2),
      ...(values.cluster && {
        "cluster events/s": fmt(of(count, "the cluster", "eventsPerSecond")),
        "cluster notifications/s": fmt(of(count, "the cluster", "notificationsPerSecond")),
        "cluster vs 1": (of(count, "the cluster", "eventsPerSecond") / of(counts[0], "the cluster", "eventsPerSecond")).toFixed(2),
        "cluster ÷ single": `${median(ratios(count)).toFixed(2)} (${Math.min(...ratios(count)).toFixed(2)}–${Math.max(...ratios(count)).toFixed(2)})`,
      }),
      "Postgres cores": of(count, "one Redis", "postgresCores").toFixed(2),
      "backends on a lock": median(runs.filter((r) => r.count === count).map((r) => r["one Redis"].backends.lock)).toFixed(2),
      "machine idle": `${Math.round(of(count, "one Redis", "machineIdle") * 100)} %`,
    })),
  );
  reportSummary(
    "router-scaling",
    values.cluster
      ? counts.map((count) => ({
          figure: `router events, ${values.mix} mix, ${count} router${count > 1 ? "s" : ""} on a 3-master cluster (vs one Redis)`,
          unit: "events/s",
          project: of(count, "the cluster", "eventsPerSecond"),
          raw: of(count, "one Redis", "eventsPerSecond"),
          ratio: median(ratios(count)),
        }))
      : counts.map((count) => ({
          figure: `router events, ${values.mix} mix, ${count} router${count > 1 ? "s" : ""} (vs 1 router)`,
          unit: "events/s",
          project: of(count, "one Redis", "eventsPerSecond"),
          raw: of(counts[0], "one Redis", "eventsPerSecond"),
          ratio: of(count, "one Redis", "eventsPerSecond") / of(counts[0], "one Redis", "eventsPerSecond"),
        })),
  );
}

/** `--mix bursty`: the bursty mix grouped, beside the same mix without grouping, in each round. */
async function groupingRounds() {
  console.log(
    `router grouping: ${USERS} users, ${EVENTS} events per run, bursts of ${BURST}, batches of up to ${BATCH} events and ~${BATCH_ROWS} rows`,
  );
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const grouped = await routerRound(round, (i) => makeBurstyEvent(i, true), "grouped");
    const plain = await routerRound(round, (i) => makeBurstyEvent(i, false), "ungrouped");
    const ratio = grouped.eventsPerSecond / plain.eventsPerSecond;
    console.log(
      `round ${round}: grouped at ${ratio.toFixed(2)}× the ungrouped events/s, ${grouped.notifications} rows instead of ${plain.notifications}`,
    );
    rounds.push({
      grouped: grouped.eventsPerSecond,
      plain: plain.eventsPerSecond,
      ratio,
      rows: grouped.notifications,
      plainRows: plain.notifications,
    });
  }
  const of = (key) => rounds.map((r) => r[key]);
  console.log(`\nmedian of ${ROUNDS} rounds; ratios within each round:`);
  console.table([
    { figure: "grouped events/s", value: fmt(median(of("grouped"))), ratio: median(of("ratio")).toFixed(2), rows: median(of("rows")) },
    { figure: "ungrouped events/s", value: fmt(median(of("plain"))), ratio: "1.00", rows: median(of("plainRows")) },
  ]);
  reportSummary("router-grouping", [
    {
      figure: "router events, bursty mix grouped (vs the same mix ungrouped)",
      unit: "events/s",
      project: median(of("grouped")),
      raw: median(of("plain")),
      ratio: median(of("ratio")),
    },
  ]);
}

async function usualRounds(make = makeEvent, mix = "usual") {
  console.log(
    `router throughput, ${mix} mix: ${USERS} users with stored preferences, ${EVENTS} events per round, batches of up to ${BATCH} events and ~${BATCH_ROWS} rows`,
  );
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // With --before, the two routers take turns to go first: each run leaves the table larger for the next.
    const beforeFirst = values.before && round % 2 === 0;
    const runBefore = () => routerRound(round, make, "--before router", path.resolve(values.before));
    const earlier = beforeFirst ? await runBefore() : undefined;
    const r = await routerRound(round, make);
    const before = values.before && (earlier ?? (await runBefore()));
    const raw = await rawRound(round, r.events);
    const ratio = r.notificationsPerSecond / raw.notificationsPerSecond;
    console.log(`round ${round}: router at ${ratio.toFixed(2)}× the raw ceiling in notifications/s`);
    const beforeRatio = before && before.notificationsPerSecond / raw.notificationsPerSecond;
    if (before) console.log(`round ${round}: --before router at ${beforeRatio.toFixed(2)}× the same raw ceiling`);
    let subscribed;
    let unmatched;
    if (SUBSCRIPTIONS > 0) {
      await setSubscriptions(SUBSCRIPTIONS, { matching: false });
      unmatched = await routerRound(round, make, `router with ${SUBSCRIPTIONS} subscriptions, none matching`);
      console.log(
        `round ${round}: with ${SUBSCRIPTIONS} subscriptions matching none at ${(unmatched.eventsPerSecond / r.eventsPerSecond).toFixed(2)}× the events/s with none`,
      );
      await setSubscriptions(SUBSCRIPTIONS);
      subscribed = await routerRound(round, make, `router with ${SUBSCRIPTIONS} subscriptions`);
      const { rows } = await pg.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = ANY($1::text[])`, [
        subscribed.events.map((e) => e.id),
      ]);
      await setSubscriptions(0);
      console.log(
        `round ${round}: with ${SUBSCRIPTIONS} subscriptions (${rows[0].n} subscription deliveries created) at ${(subscribed.eventsPerSecond / r.eventsPerSecond).toFixed(2)}× the events/s with none`,
      );
    }
    rounds.push({
      router: r.notificationsPerSecond,
      raw: raw.notificationsPerSecond,
      ratio,
      events: r.eventsPerSecond,
      ...(subscribed && { subscribed: subscribed.eventsPerSecond, subscribedRatio: subscribed.eventsPerSecond / r.eventsPerSecond }),
      ...(unmatched && { unmatched: unmatched.eventsPerSecond, unmatchedRatio: unmatched.eventsPerSecond / r.eventsPerSecond }),
      ...(before && { before: before.notificationsPerSecond, beforeRatio, beforeEvents: before.eventsPerSecond }),
    });
  }
  const of = (key) => rounds.map((r) => r[key]);
  const events = mix === "single" ? { target: "≥ 5,000" } : {};
  console.log(`\nmedian of ${ROUNDS} rounds; ratios within each round:`);
  console.table([
    { figure: "router notifications/s", value: fmt(median(of("router"))), ratio: median(of("ratio")).toFixed(2), target: "≥ 0.50" },
    { figure: "raw ceiling notifications/s", value: fmt(median(of("raw"))), ratio: "1.00" },
    { figure: "router events/s", value: fmt(median(of("events"))), ...events },
    ...(SUBSCRIPTIONS > 0
      ? [
          {
            figure: `router events/s, ${SUBSCRIPTIONS} subscriptions matching none (vs none)`,
            value: fmt(median(of("unmatched"))),
            ratio: median(of("unmatchedRatio")).toFixed(2),
          },
          {
            figure: `router events/s, ${SUBSCRIPTIONS} subscriptions, 1 match and delivery each (vs none)`,
            value: fmt(median(of("subscribed"))),
            ratio: median(of("subscribedRatio")).toFixed(2),
          },
        ]
      : []),
    ...(values.before
      ? [
          { figure: "--before router notifications/s", value: fmt(median(of("before"))), ratio: median(of("beforeRatio")).toFixed(2) },
          { figure: "--before router events/s", value: fmt(median(of("beforeEvents"))) },
        ]
      : []),
  ]);
  if (SUBSCRIPTIONS > 0) {
    // The matching alone, in this process, after the router rounds (nothing else running).
    const none = matchRate(0);
    const many = matchRate(SUBSCRIPTIONS);
    const scan = matchRate(SUBSCRIPTIONS, { scan: true });
    console.log(
      `SubscriptionIndex.match: ${fmt(many.perSecond)} events/s over ${SUBSCRIPTIONS} subscriptions (${many.matched} match each), ${fmt(none.perSecond)} over none: ${(many.perSecond / none.perSecond).toFixed(2)}×; a scan of all ${SUBSCRIPTIONS} per event: ${fmt(scan.perSecond)} events/s (index ${(many.perSecond / scan.perSecond).toFixed(0)}× faster)`,
    );
    reportSummary("subscriptions", [
      {
        figure: `router events matched against ${SUBSCRIPTIONS} webhook subscriptions, none matching (vs none stored)`,
        unit: "events/s",
        project: median(of("unmatched")),
        raw: median(of("events")),
        ratio: median(of("unmatchedRatio")),
      },
      {
        figure: `router events with ${SUBSCRIPTIONS} webhook subscriptions, 1 match each (vs none)`,
        unit: "events/s",
        project: median(of("subscribed")),
        raw: median(of("events")),
        ratio: median(of("subscribedRatio")),
      },
      {
        figure: `SubscriptionIndex.match over ${SUBSCRIPTIONS} subscriptions (vs none)`,
        unit: "events/s",
        project: many.perSecond,
        raw: none.perSecond,
        ratio: many.perSecond / none.perSecond,
      },
    ]);
  }
  reportSummary(mix === "single" ? "router-single" : "router", [
    {
      figure: `router notifications, ${mix} mix (vs raw INSERT + unnest + PUBLISH)`,
      unit: "notifications/s",
      project: median(of("router")),
      raw: median(of("raw")),
      ratio: median(of("ratio")),
      target: "≥ 0.50",
    },
  ]);
}

try {
  console.log(`seeding ${USERS} users with stored preferences and settings…`);
  await seed();
  if (values.routers || values.cluster) {
    if (values.mix === "bursty" || values.before || values.profile)
      throw new Error("--routers / --cluster measure the usual or the single mix, without --before or --profile");
    await scalingRounds();
  } else if (values.mix === "bursty") await groupingRounds();
  else if (values.mix === "usual") await usualRounds();
  else if (values.mix === "single") await usualRounds(makeSingleEvent, "single");
  else throw new Error(`--mix: expected usual, single or bursty, got ${values.mix}`);
} finally {
  if (router) await stopAll([router]);
  await stopAll(scaledRouters);
  await pg?.end();
  redis.disconnect();
  ownRedisClient?.disconnect();
  await ownRedis?.stop();
  clusterClient?.disconnect();
  await cluster?.stop();
  await scratch.remove();
}
