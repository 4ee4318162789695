// Ingest events/s beside a raw node:http + XADD server, in one run.
//
// Starts the ingest service (its own scratch Redis namespace and database)
// and bench/lib/raw-ingest.mjs, each its own process, then loads them in
// alternating rounds with autocannon (CONNECTIONS keep-alive connections,
// every request a fresh event id so idempotency does real work): single
// publishes to both, then ingest's batch endpoint (BATCH events per request).
// The stream is emptied between rounds so back-pressure never answers.
// Prints each round with its ratios, then the medians and the ratios the
// performance issue sets targets on (single ≥ 40 % of raw; batch ≥ 4× raw
// single, in events/s), each ratio taken within one round.
//
//   npm run bench:ingest [-- --seconds 5 --rounds 3 --connections 50 --batch 100 --profile DIR --before ROOT]
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { printProfile } from "./lib/cpu-profile-summary.mjs";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const autocannon = require("autocannon");
const { redisNames } = require("@herald/runtime");
const { applyMigrations } = require("@herald/db");
const { signToken, loadAuthConfig } = require("@herald/auth");
const { Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    batch: { type: "string", default: "100" },
    // A directory: instead of comparing, profile ingest alone (`node --cpu-prof`) under single, then batch load, and summarize.
    profile: { type: "string" },
    // Another checkout's root, built: its ingest is measured in the same rounds too (before/after in one run).
    before: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const BATCH = Number(values.batch);
const INGEST_PORT = 39300;
const RAW_PORT = 39301;
const BEFORE_PORT = 39302;

const scratch = scratchInstall();
const names = redisNames(scratch.namespace);
const rawStream = `${scratch.namespace}:raw-events`;
const redis = new Redis(scratch.base.redisUrl);
const token = signToken({ kind: "service", sub: "bench-producer" }, loadAuthConfig({ HERALD_DEV_AUTH: "1" }), 3600);

// The same event as a producer would send it: a job that finished, for one user. Each request's
// events get fresh ids (a run prefix and a counter), spliced into the JSON rather than serialized
// anew: building 100-event bodies object by object took the load generator more CPU than the
// servers it measures spent on them.
const [head, tail] = JSON.stringify({
  id: "\u0000",
  type: "job.completed",
  actorUserId: "u1",
  recipients: ["u1"],
  projectId: "p1",
  source: { type: "job", id: "job-17" },
  payload: { jobName: "train-resnet", durationSeconds: 3600, gpu: "A100" },
}).split("\\u0000");
const runId = randomUUID().slice(0, 8);
let sequence = 0;
const eventJson = () => `${head}${runId}-${++sequence}${tail}`;
const single = () => eventJson();
const batch = () => {
  let body = `{"events":[${eventJson()}`;
  for (let i = 1; i < BATCH; i++) body += `,${eventJson()}`;
  return `${body}]}`;
};

async function load(url, body, eventsPerRequest) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const ok = result["2xx"];
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} requests were not answered 2xx (${JSON.stringify(result.statusCodeStats)})`);
  await redis.del(names.eventStream, rawStream);
  return { eventsPerSecond: (ok * eventsPerRequest) / SECONDS, p99: result.latency.p99 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const ratio = (project, raw) => `${(project / raw).toFixed(2)}× raw`;

const ingestEnv = {
  ...scratch.env,
  INGEST_PORT: String(INGEST_PORT),
  LOG_LEVEL: "warn",
  // No router drains the stream here: the bench empties it between rounds instead.
  INGEST_MAX_BACKLOG: "100000000",
  INGEST_PRODUCER_BACKLOG_PERCENT: "100",
};
const ingestUrl = `http://127.0.0.1:${INGEST_PORT}/api/v1/events`;

/** Ingest alone under `node --cpu-prof`, one process per kind of load, each profile summarized once it exits. */
async function profile(dir) {
  for (const [phase, url, body, perRequest] of [
    ["single", ingestUrl, single, 1],
    ["batch", `${ingestUrl}/batch`, batch, BATCH],
  ]) {
    const ingest = startService("ingest", ingestEnv, {
      output: "inherit",
      nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=ingest-${phase}.cpuprofile`],
    });
    children.push(ingest);
    await waitReady(ingest, `http://127.0.0.1:${INGEST_PORT}`);
    const r = await load(url, body, perRequest);
    console.log(`${phase}: ${fmt(r.eventsPerSecond)} events/s under the profiler`);
    await stopAll([ingest]);
    printProfile(`${dir}/ingest-${phase}.cpuprofile`, 15);
  }
}

const children = [];
try {
  await applyMigrations({ databaseUrl: scratch.databaseUrl });
  if (values.profile) {
    await profile(values.profile);
  } else {
    await compare();
  }
} finally {
  await stopAll(children);
  redis.disconnect();
  await scratch.remove();
}

async function compare() {
  const ingest = startService("ingest", ingestEnv, { output: "inherit" });
  children.push(ingest);
  const raw = fork(`${ROOT}/bench/lib/raw-ingest.mjs`, {
    env: { ...process.env, RAW_PORT: String(RAW_PORT), REDIS_URL: scratch.base.redisUrl, RAW_STREAM: rawStream },
  });
  children.push(raw);
  await Promise.all([waitReady(ingest, `http://127.0.0.1:${INGEST_PORT}`), once(raw, "message")]);
  const beforeUrl = `http://127.0.0.1:${BEFORE_PORT}/api/v1/events`;
  if (values.before) {
    const before = spawn(process.execPath, [`${values.before}/services/ingest/dist/main.js`], {
      cwd: values.before,
      env: { ...process.env, ...ingestEnv, INGEST_PORT: String(BEFORE_PORT) },
      stdio: ["ignore", "inherit", "inherit"],
    });
    children.push(before);
    await waitReady(before, `http://127.0.0.1:${BEFORE_PORT}`);
    await load(beforeUrl, single, 1);
  }

  const rawUrl = `http://127.0.0.1:${RAW_PORT}/`;
  // Warm both up (JIT, connection pools) before anything counts.
  await load(ingestUrl, single, 1);
  await load(rawUrl, single, 1);

  // Each round measures raw, single and batch back to back, and its ratios compare them: on a shared
  // machine the load from elsewhere changes from one round to the next, less within one.
  const rounds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const r = await load(rawUrl, single, 1);
    const s = await load(ingestUrl, single, 1);
    const b = await load(`${ingestUrl}/batch`, batch, BATCH);
    // Not a target: what the machine does with the same batch bodies (the raw server XADDs each event, pipelined).
    const rb = await load(rawUrl, batch, BATCH);
    rounds.push({ raw: r.eventsPerSecond, single: s.eventsPerSecond, batch: b.eventsPerSecond, rawBatch: rb.eventsPerSecond });
    console.log(
      `round ${round}: raw ${fmt(r.eventsPerSecond)} ev/s (p99 ${r.p99} ms) | ingest single ${fmt(s.eventsPerSecond)} ev/s (p99 ${s.p99} ms, ${ratio(s.eventsPerSecond, r.eventsPerSecond)}) | ingest batch of ${BATCH} ${fmt(b.eventsPerSecond)} ev/s (p99 ${b.p99} ms, ${ratio(b.eventsPerSecond, r.eventsPerSecond)}) | raw batch ${fmt(rb.eventsPerSecond)} ev/s`,
    );
    if (values.before) {
      const bs = await load(beforeUrl, single, 1);
      const bb = await load(`${beforeUrl}/batch`, batch, BATCH);
      Object.assign(rounds.at(-1), { beforeSingle: bs.eventsPerSecond, beforeBatch: bb.eventsPerSecond });
      console.log(
        `round ${round}, --before ingest: single ${fmt(bs.eventsPerSecond)} ev/s (${ratio(bs.eventsPerSecond, r.eventsPerSecond)}) | batch ${fmt(bb.eventsPerSecond)} ev/s (${ratio(bb.eventsPerSecond, r.eventsPerSecond)})`,
      );
    }
  }
  const of = (key) => rounds.map((r) => r[key]);
  const ratios = (key) => rounds.map((r) => r[key] / r.raw);
  const range = (xs, f) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
  const x2 = (n) => n.toFixed(2);
  console.log(`\nmedian of ${ROUNDS} rounds (range), ${CONNECTIONS} connections, ${SECONDS} s each; ratios within each round:`);
  console.table([
    { figure: "raw node:http + XADD, single", "events/s": fmt(median(of("raw"))), range: range(of("raw"), fmt), ratio: "1.00" },
    {
      figure: "ingest POST /api/v1/events",
      "events/s": fmt(median(of("single"))),
      range: range(of("single"), fmt),
      ratio: `${x2(median(ratios("single")))} (${range(ratios("single"), x2)})`,
      target: "≥ 0.40",
    },
    {
      figure: `ingest POST /api/v1/events/batch (${BATCH})`,
      "events/s": fmt(median(of("batch"))),
      range: range(of("batch"), fmt),
      ratio: `${x2(median(ratios("batch")))} (${range(ratios("batch"), x2)})`,
      target: "≥ 4.00",
    },
    {
      figure: `raw, batch of ${BATCH} (no target: the machine's batch ceiling)`,
      "events/s": fmt(median(of("rawBatch"))),
      range: range(of("rawBatch"), fmt),
      ratio: `${x2(median(ratios("rawBatch")))} (${range(ratios("rawBatch"), x2)})`,
    },
    ...(values.before
      ? [
          {
            figure: "--before ingest POST /api/v1/events",
            "events/s": fmt(median(of("beforeSingle"))),
            range: range(of("beforeSingle"), fmt),
            ratio: `${x2(median(ratios("beforeSingle")))} (${range(ratios("beforeSingle"), x2)})`,
          },
          {
            figure: `--before ingest POST /api/v1/events/batch (${BATCH})`,
            "events/s": fmt(median(of("beforeBatch"))),
            range: range(of("beforeBatch"), fmt),
            ratio: `${x2(median(ratios("beforeBatch")))} (${range(ratios("beforeBatch"), x2)})`,
          },
        ]
      : []),
  ]);
  reportSummary("ingest", [
    {
      figure: "ingest single publish",
      unit: "events/s",
      project: median(of("single")),
      raw: median(of("raw")),
      ratio: median(ratios("single")),
      target: "≥ 0.40",
    },
    {
      figure: `ingest batch of ${BATCH} (vs raw single)`,
      unit: "events/s",
      project: median(of("batch")),
      raw: median(of("raw")),
      ratio: median(ratios("batch")),
      target: "≥ 4.00",
    },
  ]);
}
