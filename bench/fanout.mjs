// One event to every user of a tenant (scope `all`), beside a raw counterpart, in one run.
//
// Seeds a scratch database with USERS users in tenant `acme`, whose tenant default for
// collab.lock is scope `all` (so every one of them is a candidate). Each round starts one router
// (ROUTER_FANOUT_CHUNK=--chunk), puts the one large event on the stream and, every PROBE_MS while
// the fan-out runs, a small event (job.completed for one user). It prints:
//   - the time from the XADD until every recipient is stored and pushed (the fan-out row finished,
//     which the router marks only after its last push) and the pushes seen on Redis;
//   - the router's RSS growth (peak during the fan-out minus its RSS just before, from /proc);
//   - each small event's latency, XADD → its push on Redis (the emitter's PUBLISH to its user's room).
// Then the raw counterpart stores the same rows (read back from the router's) under a fresh event
// id with no routing logic, by a bare loop: per CHUNK rows one multi-row INSERT through unnest and
// one pipelined PUBLISH per row (Herald's own triggers off, withoutHeraldTriggers); and the ratio of
// the two times, within the round.
//
//   node bench/fanout.mjs [-- --users 100000 --chunk 1000 --rounds 1 --probe-ms 200]
//
// `--unchunked` adds, in each round, the router with chunking off (ROUTER_FANOUT_CHUNK beyond
// USERS: the whole event in one batch statement, as before fan-outs were chunked), for comparison.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePort } from "./lib/free-port.mjs";
import { withoutHeraldTriggers } from "./lib/without-herald-triggers.mjs";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { redisNames, userRoom } = require("@herald/runtime");
const { tenantKey } = require("@herald/contract");
const { validateEvent } = require("@herald/contract/schemas");
const { applyMigrations } = require("@herald/db");
const { Client } = require("pg");
const { Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    chunk: { type: "string", default: "1000" },
    rounds: { type: "string", default: "1" },
    "probe-ms": { type: "string", default: "200" },
    // How long small events are measured alone after the fan-out (at most the fan-out's own time).
    "baseline-seconds": { type: "string", default: "20" },
    unchunked: { type: "boolean", default: false },
  },
});
const USERS = Number(values.users);
const CHUNK = Number(values.chunk);
const ROUNDS = Number(values.rounds);
const PROBE_MS = Number(values["probe-ms"]);
const BASELINE_MS = Number(values["baseline-seconds"]) * 1000;
const TENANT = "acme";
const PROBE_USER = "probe";

const scratch = scratchInstall();
const { base, databaseUrl, namespace } = scratch;
const names = redisNames(namespace);
const redis = new Redis(base.redisUrl);
const subscriber = new Redis(base.redisUrl);
let pg;
let router;

async function seed() {
  await applyMigrations({ databaseUrl });
  pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  await pg.query(`INSERT INTO users (id, tenant_id) SELECT $1 || g, $2 FROM generate_series(0, $3 - 1) g`, [
    tenantKey(TENANT, "u"),
    TENANT,
    USERS,
  ]);
  await pg.query(`INSERT INTO users (id, tenant_id) VALUES ($1, $2)`, [tenantKey(TENANT, PROBE_USER), TENANT]);
  // The probe user switched collab.lock off: not a recipient of the large event, so its room hears only the probes.
  await pg.query(
    `INSERT INTO notification_preferences (user_id, event_type_id, is_enabled, channels, scope)
     SELECT $1, id, false, ARRAY['in_app'], 'my_jobs' FROM event_types WHERE name = 'collab.lock'`,
    [tenantKey(TENANT, PROBE_USER)],
  );
  await pg.query(
    `INSERT INTO tenant_preferences (tenant_id, event_type_id, is_enabled, channels, scope)
     SELECT $1, id, true, ARRAY['in_app'], 'all' FROM event_types WHERE name = 'collab.lock'`,
    [TENANT],
  );
  await pg.query("ANALYZE");
}

/** Pushes seen on Redis: every emitter PUBLISH to a user room of this installation. */
const pushes = { total: 0, probes: new Map() };
async function listen() {
  const prefix = `${names.socketIoKey}#/#`;
  const probeChannel = `${prefix}${userRoom(tenantKey(TENANT, PROBE_USER))}#`;
  subscriber.on("pmessageBuffer", (_pattern, channel) => {
    const name = channel.toString();
    if (name === probeChannel) pushes.probes.set(pushes.probes.size, performance.now());
    else pushes.total += 1;
  });
  await subscriber.psubscribe(`${prefix}*`);
}

const stream = (event) => redis.xadd(names.eventStream, "*", "event", JSON.stringify(event));
const eventOf = (input) => validateEvent(input, { now: new Date(), producer: "bench", tenant: TENANT }).event;

function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Small events every PROBE_MS until stopped; their XADD → push latencies (pushes arrive in order: one consumer). */
function startProbes() {
  const sent = [];
  let stopping = false;
  pushes.probes.clear();
  const running = (async () => {
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
      if (stopping) break;
      sent.push(performance.now());
      await stream(eventOf({ type: "job.completed", payload: { ownerUserId: PROBE_USER, jobName: `probe-${sent.length}` } }));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await running;
      // The last probes' pushes may still be on their way.
      const deadline = performance.now() + 10_000;
      while (pushes.probes.size < sent.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const latencies = sent.map((at, i) => (pushes.probes.has(i) ? pushes.probes.get(i) - at : Number.POSITIVE_INFINITY));
      return { latencies, sent };
    },
  };
}

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

/** Waits until `check()` is true, failing if the router exits or `timeoutMs` passes. */
async function until(check, label, timeoutMs = 600_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (router.exitCode !== null) throw new Error(`router exited with ${router.exitCode} waiting for ${label}`);
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
/** One router from start: the large event, small probes meanwhile, until the fan-out is finished. */
async function routerRound(round, chunk, label) {
  const port = await freePort();
  const env = {
    ...scratch.env,
    LOG_LEVEL: process.env.ROUTER_LOG_LEVEL ?? "warn",
    ROUTER_PORT: String(port),
    MIGRATE_ON_START: "false",
    ROUTER_FANOUT_CHUNK: String(chunk),
  };
  router = startService("router", env, { output: process.env.ROUTER_LOG_LEVEL ? "inherit" : "ignore" });
  await waitReady(router, `http://127.0.0.1:${port}`);
  // Warm up (scope index, profile query, connections) with one small event, then take the RSS before.
  pushes.probes.clear();
  await stream(eventOf({ type: "job.completed", payload: { ownerUserId: PROBE_USER, jobName: "warm-up" } }));
  await until(() => pushes.probes.size > 0, "the warm-up event's push", 30_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssBefore = rssOf(router.pid);
  let rssPeak = rssBefore;
  pushes.probes.clear();
  pushes.total = 0;

  const big = eventOf({
    id: `broadcast-${label}-${round}`,
    type: "collab.lock",
    actorUserId: "operator",
    payload: { entity: "dataset-1" },
  });
  const started = performance.now();
  await stream(big);
  const sampler = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, rssOf(router.pid));
    } catch {
      // the router exited; the round fails below
    }
  }, 50);
  const probes = startProbes();
  // Done when every recipient has a row pushed: the unchunked path has no fan-out row, so count rows.
  await until(async () => {
    const { rows } = await pg.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE NOT is_delivered)::int AS undelivered FROM notifications WHERE event_id = $1`,
      [big.id],
    );
    return rows[0].n >= USERS && rows[0].undelivered === 0;
  }, "every recipient stored and pushed");
  const seconds = (performance.now() - started) / 1000;
  const { latencies, sent: probesSent } = await probes.stop();
  clearInterval(sampler);
  // The same router with no fan-out under way: the small events' own latency on this machine now.
  const alone = startProbes();
  await new Promise((resolve) => setTimeout(resolve, Math.min(BASELINE_MS, seconds * 1000)));
  const { latencies: baseline } = await alone.stop();
  // A chunk's rows share its transaction's start time: how long chunks took early and late in the fan-out.
  const { rows: starts } = await pg.query(
    `SELECT extract(epoch FROM created_at) * 1000 AS at FROM notifications WHERE event_id = $1 GROUP BY created_at ORDER BY created_at`,
    [big.id],
  );
  const gaps = starts.slice(1).map((s, i) => s.at - starts[i].at);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  await stopAll([router]);
  router = undefined;
  const growth = rssPeak - rssBefore;
  console.log(
    `round ${round}, ${label}: ${USERS} recipients stored and pushed in ${seconds.toFixed(2)} s (${(USERS / seconds).toFixed(0)}/s), ` +
      `${pushes.total} pushes seen; router RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} MiB (+${mib(growth)} MiB)`,
  );
  console.log(
    `  ${latencies.length} small events published during it: XADD → push p50 ${percentile(latencies, 50)?.toFixed(0)} ms, ` +
      `p99 ${percentile(latencies, 99)?.toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  console.log(
    `  ${baseline.length} small events with no fan-out under way (same router, just after): p50 ${percentile(baseline, 50)?.toFixed(0)} ms, ` +
      `p99 ${percentile(baseline, 99)?.toFixed(0)} ms, max ${Math.max(...baseline).toFixed(0)} ms`,
  );
  if (gaps.length > 0)
    console.log(
      `  ${starts.length} transactions; one chunk every ${mean(gaps.slice(0, 10)).toFixed(0)} ms over the first ten, ${mean(gaps.slice(-10)).toFixed(0)} ms over the last ten`,
    );
  const slow = latencies.map((ms, i) => ({ ms, at: probesSent[i] - started })).filter((p) => p.ms > 500);
  if (slow.length > 0)
    console.log(
      `  ${slow.length} over 500 ms: ${slow
        .slice(0, 10)
        .map((p) => `${p.ms.toFixed(0)} ms (sent at +${(p.at / 1000).toFixed(1)} s)`)
        .join(", ")}${slow.length > 10 ? ", …" : ""}`,
    );
  return { eventId: big.id, seconds, growth, latencies, baseline };
}

/** The same rows stored again under a fresh event id by a bare loop: multi-row INSERTs of CHUNK rows, one PUBLISH each. */
async function rawRound(round, eventId) {
  const rawId = `${eventId}-raw`;
  await pg.query(
    `INSERT INTO events (id, event_type_id, actor_user_id, producer, tenant_id, payload, occurred_at)
     SELECT $2, event_type_id, actor_user_id, producer, tenant_id, payload, occurred_at FROM events WHERE id = $1`,
    [eventId, rawId],
  );
  const { rows } = await pg.query(
    `SELECT user_id, event_type, category, critical, title, body, channels, status FROM notifications WHERE event_id = $1 ORDER BY user_id`,
    [eventId],
  );
  const publisher = new Redis(base.redisUrl);
  const channel = `${namespace}:raw-push`;
  const started = performance.now();
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const column = (f) => chunk.map(f);
    const { rows: inserted } = await pg.query(
      `INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, channels, status)
       SELECT $1, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, string_to_array(n.channels, ','), n.status
       FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::text[])
         AS n(user_id, event_type, category, critical, title, body, channels, status)
       RETURNING id, user_id, event_type, title, body, created_at`,
      [
        rawId,
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
  }
  const seconds = (performance.now() - started) / 1000;
  publisher.disconnect();
  console.log(`round ${round}, raw: the same ${rows.length} rows inserted and published in ${seconds.toFixed(2)} s`);
  return { seconds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  console.log(`fan-out: ${USERS} users in tenant ${TENANT} with scope all, chunks of ${CHUNK}, a small event every ${PROBE_MS} ms`);
  await seed();
  await listen();
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await routerRound(round, CHUNK, "chunked");
    const raw = await withoutHeraldTriggers(pg, () => rawRound(round, r.eventId));
    const ratio = raw.seconds / r.seconds;
    console.log(`round ${round}: router at ${ratio.toFixed(2)}× the raw loop's rows/s`);
    rounds.push({
      seconds: r.seconds,
      raw: raw.seconds,
      ratio,
      growth: r.growth,
      probeMax: Math.max(...r.latencies),
      probeP99: percentile(r.latencies, 99),
      aloneP99: percentile(r.baseline, 99),
      aloneMax: Math.max(...r.baseline),
    });
    if (values.unchunked) await routerRound(round, USERS * 10, "unchunked");
  }
  const of = (key) => rounds.map((r) => r[key]);
  console.log(`\nmedian of ${ROUNDS} round(s); ratio within each round:`);
  console.table([
    { figure: "fan-out stored + pushed, s", value: median(of("seconds")).toFixed(2), ratio: median(of("ratio")).toFixed(2) },
    { figure: "raw loop, s", value: median(of("raw")).toFixed(2), ratio: "1.00" },
    { figure: "router RSS growth, MiB", value: mib(median(of("growth"))), target: "< 200" },
    { figure: "small event during it, max XADD → push, ms", value: median(of("probeMax")).toFixed(0), target: "≤ 1000" },
    {
      figure: "small event during it, p99, ms",
      value: median(of("probeP99")).toFixed(0),
      ratio: (median(of("probeP99")) / median(of("aloneP99"))).toFixed(2),
    },
    {
      figure: "small event alone (same router after), p99 / max, ms",
      value: `${median(of("aloneP99")).toFixed(0)} / ${median(of("aloneMax")).toFixed(0)}`,
      ratio: "1.00",
    },
  ]);
  reportSummary("fanout", [
    {
      figure: `fan-out to ${USERS} (vs raw multi-row INSERT + PUBLISH loop)`,
      unit: "recipients/s",
      project: USERS / median(of("seconds")),
      raw: USERS / median(of("raw")),
      ratio: median(of("ratio")),
    },
    { figure: "router RSS growth during the fan-out", unit: "MiB", project: median(of("growth")) / 1024 / 1024, target: "< 200" },
    { figure: "small event latency during the fan-out (max)", unit: "ms", project: median(of("probeMax")), target: "≤ 1000" },
    {
      figure: "small event p99 during the fan-out (vs alone, same router after)",
      unit: "ms",
      project: median(of("probeP99")),
      raw: median(of("aloneP99")),
      ratio: median(of("probeP99")) / median(of("aloneP99")),
    },
  ]);
} finally {
  if (router) await stopAll([router]);
  await pg?.end();
  subscriber.disconnect();
  redis.disconnect();
  await scratch.remove();
}
