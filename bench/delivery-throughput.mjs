// Webhook and email delivery throughput: one delivery-worker process against
// a local HTTP receiver and a local SMTP server (smtp-server), both in this
// process. Deliveries are written straight to a scratch database and queued,
// so only the worker is measured.
//
// Webhooks are measured beside a raw counterpart (bench/lib/raw-webhooks.mjs,
// its own process): the same number of Standard-Webhooks-signed POSTs to the
// same receiver at the same concurrency from a bare node:http loop with a
// keep-alive agent, as the worker's sender uses; and, in the same process, the
// same POSTs each made by a BullMQ job with no database at all (the queue's
// own ceiling at that concurrency). Rounds alternate raw, queue-only, then
// the worker (kept running across rounds, so warm), and each round's ratio
// compares each with raw (target ≥ 0.50, #16). Emails follow in a phase of their
// own, with no raw counterpart. Each round also sends as many
// webhook-subscription deliveries (channel `subscription`: one event to one
// subscription, signed with its secret) through this checkout's worker,
// compared with the same round's raw figure.
//
// With `--before ROOT` (another checkout, built) its delivery-worker runs
// beside this one, in its own Redis namespace (so the two never take each
// other's jobs), and delivers the same number of webhooks in every round:
// before and after in one run. With `--profile DIR` the worker(s) run under
// `node --cpu-prof` and their top frames are printed at the end. Each run
// also counts Postgres transactions per delivery (pg_stat_database).
//
//   npm run bench:delivery [-- --webhooks 2000 --rounds 3 --emails 1000 --webhook-concurrency 32 --email-concurrency 8 --per-host 32 --subscriptions 2000 --before ROOT --profile DIR]
import http from "node:http";
import path from "node:path";
import { fork, spawn } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
import { printProfile } from "./lib/cpu-profile-summary.mjs";
import { ROOT, startService, stopAll, waitReady } from "../scripts/lib/service-runner.mjs";

const require = createRequire(`${ROOT}/package.json`);
const { redisNames } = require("@herald/runtime");
const { applyMigrations } = require("@herald/db");
const { DeliveryEnqueuer, openDeliveryQueues } = require("@herald/dispatch");
const { SMTPServer } = require("smtp-server");
const { Client } = require("pg");
const { Redis } = require("ioredis");

const { values } = parseArgs({
  options: {
    webhooks: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    emails: { type: "string", default: "1000" },
    "webhook-concurrency": { type: "string", default: "32" },
    "email-concurrency": { type: "string", default: "8" },
    "per-host": { type: "string", default: "32" },
    before: { type: "string" },
    profile: { type: "string" },
    // Subscription deliveries per round (0: none); default as many as --webhooks.
    subscriptions: { type: "string" },
  },
});
const WEBHOOKS = Number(values.webhooks);
const ROUNDS = Number(values.rounds);
const EMAILS = Number(values.emails);
const SUBSCRIPTIONS = Number(values.subscriptions ?? values.webhooks);
// Every webhook goes to one host: the worker's effective concurrency is the smaller of its two limits.
const CONCURRENCY = Math.min(Number(values["webhook-concurrency"]), Number(values["per-host"]));

const scratch = scratchInstall();
const { base, databaseUrl, namespace, dbName } = scratch;
const redis = new Redis(base.redisUrl);

let received = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    received += 1;
    res.writeHead(204).end();
  });
});
receiver.listen(0, "127.0.0.1");
await once(receiver, "listening");
let mails = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData: (stream, _s, cb) => {
    stream.resume();
    stream.on("end", () => {
      mails += 1;
      cb();
    });
  },
});
smtp.listen(0, "127.0.0.1");
await once(smtp.server, "listening");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const pg = new Client({ connectionString: databaseUrl });
let raw;
const policy = { maxAttempts: 3, backoffMs: 1000 };
/** A delivery-worker process of `root`'s build in Redis namespace `ns`, with the queues to feed it. */
const workers = [];
function openWorker(label, root, ns, port) {
  const queues = openDeliveryQueues(redis, redisNames(ns).queuePrefix);
  const profileName = `${label.replace(/\W+/g, "-")}.cpuprofile`;
  const nodeArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`, `--cpu-prof-name=${profileName}`] : [];
  const env = { ...workerEnv, HERALD_NAMESPACE: ns, DELIVERY_WORKER_PORT: String(port) };
  const child =
    root === ROOT
      ? startService("delivery-worker", env, { nodeArgs })
      : spawn(process.execPath, [...nodeArgs, path.join(root, "services", "delivery-worker", "dist", "main.js")], {
          cwd: root,
          env: { ...process.env, ...env },
          stdio: ["ignore", "inherit", "inherit"],
        });
  const w = {
    label,
    child,
    queues,
    enqueuer: new DeliveryEnqueuer(queues, { webhook: policy, email: policy, subscription: policy }),
    port,
    profileName,
  };
  workers.push(w);
  return w;
}
const commits = async () => {
  await pg.query("SELECT pg_stat_clear_snapshot()");
  return Number((await pg.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = $1`, [dbName])).rows[0].xact_commit);
};
let workerEnv;

/** `count` stored notifications of `channel` for the seeded users, each with a queued delivery (not enqueued yet). */
async function seedDeliveries(prefix, count, channel) {
  await pg.query(
    `INSERT INTO events (id, event_type_id, occurred_at, payload) SELECT $1 || '-e' || g, (SELECT id FROM event_types WHERE name = 'job.failed'), now(), '{"jobName":"bench"}' FROM generate_series(1, $2) g`,
    [prefix, count],
  );
  const { rows } = await pg.query(
    `WITH n AS (
       INSERT INTO notifications (event_id, user_id, event_type, category, title, body, channels, status)
       SELECT $1 || '-e' || g, 'u' || (g % 100 + 1), 'job.failed', 'job', 'Job failed', 'bench failed', ARRAY[$3::text], 'delivered'
       FROM generate_series(1, $2) g
       RETURNING id, user_id
     )
     INSERT INTO deliveries (notification_id, user_id, channel) SELECT id, user_id, $3 FROM n ORDER BY id RETURNING id::text, channel, round`,
    [prefix, count, channel],
  );
  return rows;
}

/** `count` stored events, each with a queued delivery to the one subscription (not enqueued yet). */
async function seedSubscriptionDeliveries(prefix, count) {
  await pg.query(
    `INSERT INTO events (id, event_type_id, occurred_at, payload, project_id) SELECT $1 || '-s' || g, (SELECT id FROM event_types WHERE name = 'job.failed'), now(), '{"jobName":"bench"}', 'p-1' FROM generate_series(1, $2) g`,
    [prefix, count],
  );
  const { rows } = await pg.query(
    `INSERT INTO deliveries (subscription_id, event_id, channel) SELECT 'sub_bench', $1 || '-s' || g, 'subscription' FROM generate_series(1, $2) g ORDER BY g RETURNING id::text, channel, round`,
    [prefix, count],
  );
  return rows;
}

/**
 * Enqueues the deliveries to worker `w`; seconds until every one of them is
 * recorded delivered, and the Postgres transactions committed meanwhile
 * (the bench's own polling, one per 20 ms, included).
 */
async function workerRun(w, rows) {
  const ids = rows.map((r) => r.id);
  const before = await commits();
  const started = performance.now();
  let polls = 0;
  await w.enqueuer.enqueue(rows);
  for (;;) {
    polls += 1;
    const { rows: counts } = await pg.query(
      `SELECT count(*)::int AS done FROM deliveries WHERE id = ANY($1::bigint[]) AND status = 'delivered'`,
      [ids],
    );
    if (counts[0].done === rows.length) {
      const seconds = (performance.now() - started) / 1000;
      // Stats reach pg_stat_database with a small delay.
      await sleep(600);
      const transactions = (await commits()) - before - polls - 1;
      return { seconds, perDelivery: transactions / rows.length };
    }
    if (performance.now() - started > 300_000) throw new Error("the worker did not finish within 5 minutes");
    await sleep(20);
  }
}

/** The same POSTs as BullMQ jobs, no database (raw-webhooks.mjs's second mode); seconds it took. */
async function queueOnlyRun(url, secret, count, prefix) {
  raw.send({ type: "bullmq", redisUrl: base.redisUrl, queuePrefix: `${namespace}q`, url, secret, count, concurrency: CONCURRENCY, prefix });
  const [m] = await once(raw, "message");
  if (m.failed > 0) throw new Error(`queue only: ${m.failed} POSTs were not answered 2xx`);
  return m.ms / 1000;
}

/** The raw loop's run of `count` signed POSTs; seconds it took. */
async function rawRun(url, secret, count, prefix) {
  raw.send({ type: "run", url, secret, count, concurrency: CONCURRENCY, prefix });
  const [m] = await once(raw, "message");
  if (m.failed > 0) throw new Error(`raw: ${m.failed} POSTs were not answered 2xx`);
  return m.ms / 1000;
}

try {
  await applyMigrations({ databaseUrl });
  await pg.connect();
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  await pg.query(`INSERT INTO users (id) SELECT 'u' || g FROM generate_series(1, 100) g`);
  await pg.query(
    `INSERT INTO user_notification_settings (user_id, email, webhook_url, webhook_secret) SELECT id, id || '@example.com', $1, $2 FROM users`,
    [url, secret],
  );
  await pg.query(
    `INSERT INTO subscriptions (id, tenant_id, producer, url, event_types, secret) VALUES ('sub_bench', 'default', 'bench', $1, '{job.*}', $2)`,
    [url, secret],
  );

  const env = (workerEnv = {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    WEBHOOK_CONCURRENCY: values["webhook-concurrency"],
    WEBHOOK_PER_HOST_CONCURRENCY: values["per-host"],
    EMAIL_CONCURRENCY: values["email-concurrency"],
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtp.server.address().port),
  });
  const worker = openWorker("delivery-worker", ROOT, namespace, 3193);
  const beforeWorker = values.before && openWorker("--before delivery-worker", path.resolve(values.before), `${namespace}b`, 3194);
  raw = fork(new URL("./lib/raw-webhooks.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await Promise.all([...workers.map((w) => waitReady(w.child, `http://127.0.0.1:${w.port}`)), once(raw, "message")]);

  const rounds = [];
  if (WEBHOOKS) {
    console.log(
      `webhooks: ${WEBHOOKS} per round, concurrency ${CONCURRENCY} (worker: WEBHOOK_CONCURRENCY ${env.WEBHOOK_CONCURRENCY}, per host ${env.WEBHOOK_PER_HOST_CONCURRENCY}; raw: ${CONCURRENCY} loops)`,
    );
    // Warm both up (JIT, keep-alive connections, the worker's queue connections), not counted.
    const warm = Math.max(100, Math.floor(WEBHOOKS / 5));
    await rawRun(url, secret, warm, "warm");
    for (const w of workers) await workerRun(w, await seedDeliveries(`warm-${w.port}`, warm, "webhook"));
    for (let round = 1; round <= ROUNDS; round++) {
      let receivedBefore = received;
      const rawSeconds = await rawRun(url, secret, WEBHOOKS, `raw${round}`);
      const rawSeen = received - receivedBefore;
      const r = { raw: WEBHOOKS / rawSeconds };
      const parts = [`raw ${fmt(r.raw)} webhooks/s (receiver saw ${rawSeen})`];
      r.queueOnly = WEBHOOKS / (await queueOnlyRun(url, secret, WEBHOOKS, `q${round}`));
      parts.push(`BullMQ + POST, no database ${fmt(r.queueOnly)}/s, ${(r.queueOnly / r.raw).toFixed(2)}× raw`);
      for (const w of workers) {
        receivedBefore = received;
        const run = await workerRun(w, await seedDeliveries(`r${round}-${w.port}`, WEBHOOKS, "webhook"));
        const key = w === worker ? "worker" : "before";
        r[key] = WEBHOOKS / run.seconds;
        r[`${key}Transactions`] = run.perDelivery;
        parts.push(
          `${w.label} ${fmt(r[key])} webhooks/s, ${(r[key] / r.raw).toFixed(2)}× raw (receiver saw ${received - receivedBefore}, all recorded delivered; ${run.perDelivery.toFixed(2)} Postgres transactions per delivery)`,
        );
      }
      rounds.push(r);
      console.log(`  round ${round}: ${parts.join(" | ")}`);
      if (SUBSCRIPTIONS) {
        const seenBefore = received;
        const run = await workerRun(worker, await seedSubscriptionDeliveries(`s${round}`, SUBSCRIPTIONS));
        r.subscription = SUBSCRIPTIONS / run.seconds;
        console.log(
          `  round ${round}: subscription deliveries ${fmt(r.subscription)}/s (receiver saw ${received - seenBefore}, all recorded delivered) | ${(r.subscription / r.raw).toFixed(2)}× this round's raw`,
        );
      }
    }
  }

  let emailSeconds;
  if (EMAILS) {
    const mailsBefore = mails;
    emailSeconds = (await workerRun(worker, await seedDeliveries("mail", EMAILS, "email"))).seconds;
    console.log(
      `emails: ${EMAILS} in ${emailSeconds.toFixed(2)} s → ${fmt(EMAILS / emailSeconds)}/s (email concurrency ${env.EMAIL_CONCURRENCY}, SMTP pool 5; SMTP server accepted ${mails - mailsBefore}); no raw counterpart`,
    );
  }

  const summary = [];
  if (rounds.length) {
    const ratios = rounds.map((r) => r.worker / r.raw);
    console.log(
      `webhooks, median of ${ROUNDS} rounds: delivery-worker ${fmt(median(rounds.map((r) => r.worker)))}/s, raw ${fmt(median(rounds.map((r) => r.raw)))}/s, ratio ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; target ≥ 0.50)`,
    );
    summary.push({
      figure: `delivery-worker webhooks (concurrency ${CONCURRENCY})`,
      unit: "webhooks/s",
      project: median(rounds.map((r) => r.worker)),
      raw: median(rounds.map((r) => r.raw)),
      ratio: median(ratios),
      target: "≥ 0.50",
    });
    const queueRatios = rounds.map((r) => r.queueOnly / r.raw);
    console.log(
      `  BullMQ + POST with no database (the queue's own ceiling), same rounds: ${fmt(median(rounds.map((r) => r.queueOnly)))}/s, ratio ${median(queueRatios).toFixed(2)} (${Math.min(...queueRatios).toFixed(2)}–${Math.max(...queueRatios).toFixed(2)})`,
    );
    if (beforeWorker) {
      const beforeRatios = rounds.map((r) => r.before / r.raw);
      console.log(
        `  --before delivery-worker, same rounds: ${fmt(median(rounds.map((r) => r.before)))}/s, ratio ${median(beforeRatios).toFixed(2)} (${Math.min(...beforeRatios).toFixed(2)}–${Math.max(...beforeRatios).toFixed(2)})`,
      );
      summary.push({
        figure: "--before delivery-worker webhooks",
        unit: "webhooks/s",
        project: median(rounds.map((r) => r.before)),
        raw: median(rounds.map((r) => r.raw)),
        ratio: median(beforeRatios),
      });
    }
  }
  if (rounds.length && SUBSCRIPTIONS) {
    const ratios = rounds.map((r) => r.subscription / r.raw);
    console.log(
      `subscription deliveries, median of ${ROUNDS} rounds: ${fmt(median(rounds.map((r) => r.subscription)))}/s, ratio to raw ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
    summary.push({
      figure: `delivery-worker subscription webhooks (concurrency ${CONCURRENCY})`,
      unit: "webhooks/s",
      project: median(rounds.map((r) => r.subscription)),
      raw: median(rounds.map((r) => r.raw)),
      ratio: median(ratios),
    });
  }
  if (EMAILS) summary.push({ figure: "delivery-worker emails", unit: "emails/s", project: EMAILS / emailSeconds });
  reportSummary("delivery", summary);
} finally {
  await stopAll(workers.map((w) => w.child));
  if (values.profile) for (const w of workers) printProfile(path.join(values.profile, w.profileName), 15);
  raw?.kill();
  await Promise.all(workers.map((w) => w.queues.close()));
  await pg.end().catch(() => undefined);
  // The --before worker's and the queue-only run's namespaces are not the scratch install's own.
  for (const ns of [`${namespace}b`, `${namespace}q`])
    for await (const keys of redis.scanStream({ match: `${ns}:*`, count: 1000 })) if (keys.length) await redis.unlink(...keys);
  await scratch.remove();
  redis.disconnect();
  receiver.close();
  smtp.close();
}
