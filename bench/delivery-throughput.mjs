// Webhook and email delivery throughput: one delivery-worker process against
// a local HTTP receiver and a local SMTP server (smtp-server), both in this
// process. Deliveries are written straight to a scratch database and queued,
// so only the worker is measured.
//
// Webhooks are measured beside a raw counterpart (bench/lib/raw-webhooks.mjs,
// its own process): the same number of Standard-Webhooks-signed POSTs to the
// same receiver at the same concurrency from a bare node:http loop with a
// keep-alive agent, as the worker's sender uses. Rounds alternate raw, then
// the worker (kept running across rounds, so warm), and each round's ratio
// compares the two (target ≥ 0.50, #16). Each round also sends as many
// webhook-subscription deliveries (channel `subscription`: one event to one
// subscription, signed with its secret) through the same worker, compared
// with the same round's raw figure. Emails follow in a phase of their own,
// with no raw counterpart.
//
//   npm run bench:delivery [-- --webhooks 2000 --rounds 3 --emails 1000 --webhook-concurrency 32 --email-concurrency 8 --per-host 32 --subscriptions 2000]
import http from "node:http";
import { fork } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { scratchInstall } from "./lib/scratch-install.mjs";
import { reportSummary } from "./lib/summary.mjs";
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
const { base, databaseUrl, namespace } = scratch;
const names = redisNames(namespace);
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
let worker;
let raw;
const queues = openDeliveryQueues(redis, names.queuePrefix);
const policy = { maxAttempts: 3, backoffMs: 1000 };
const enqueuer = new DeliveryEnqueuer(queues, { webhook: policy, email: policy, subscription: policy });

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

/** Enqueues the deliveries to the running worker; seconds until every one of them is recorded delivered. */
async function workerRun(rows) {
  const ids = rows.map((r) => r.id);
  const started = performance.now();
  await enqueuer.enqueue(rows);
  for (;;) {
    const { rows: counts } = await pg.query(
      `SELECT count(*)::int AS done FROM deliveries WHERE id = ANY($1::bigint[]) AND status = 'delivered'`,
      [ids],
    );
    if (counts[0].done === rows.length) return (performance.now() - started) / 1000;
    if (performance.now() - started > 300_000) throw new Error("the worker did not finish within 5 minutes");
    await sleep(20);
  }
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

  const env = {
    DATABASE_URL: databaseUrl,
    HERALD_NAMESPACE: namespace,
    LOG_LEVEL: "warn",
    DELIVERY_WORKER_PORT: "3193",
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    WEBHOOK_CONCURRENCY: values["webhook-concurrency"],
    WEBHOOK_PER_HOST_CONCURRENCY: values["per-host"],
    EMAIL_CONCURRENCY: values["email-concurrency"],
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtp.server.address().port),
  };
  worker = startService("delivery-worker", env);
  raw = fork(new URL("./lib/raw-webhooks.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await Promise.all([waitReady(worker, "http://127.0.0.1:3193"), once(raw, "message")]);

  const rounds = [];
  if (WEBHOOKS) {
    console.log(
      `webhooks: ${WEBHOOKS} per round, concurrency ${CONCURRENCY} (worker: WEBHOOK_CONCURRENCY ${env.WEBHOOK_CONCURRENCY}, per host ${env.WEBHOOK_PER_HOST_CONCURRENCY}; raw: ${CONCURRENCY} loops)`,
    );
    // Warm both up (JIT, keep-alive connections, the worker's queue connections), not counted.
    const warm = Math.max(100, Math.floor(WEBHOOKS / 5));
    await rawRun(url, secret, warm, "warm");
    await workerRun(await seedDeliveries("warm", warm, "webhook"));
    for (let round = 1; round <= ROUNDS; round++) {
      const receivedBefore = received;
      const rawSeconds = await rawRun(url, secret, WEBHOOKS, `raw${round}`);
      const rawSeen = received - receivedBefore;
      const rows = await seedDeliveries(`r${round}`, WEBHOOKS, "webhook");
      const workerSeconds = await workerRun(rows);
      const workerSeen = received - receivedBefore - rawSeen;
      const r = { raw: WEBHOOKS / rawSeconds, worker: WEBHOOKS / workerSeconds };
      rounds.push(r);
      console.log(
        `  round ${round}: raw ${fmt(r.raw)} webhooks/s (receiver saw ${rawSeen}) | delivery-worker ${fmt(r.worker)} webhooks/s (receiver saw ${workerSeen}, all recorded delivered) | ${(r.worker / r.raw).toFixed(2)}× raw`,
      );
      if (SUBSCRIPTIONS) {
        const seenBefore = received;
        const subscriptionSeconds = await workerRun(await seedSubscriptionDeliveries(`s${round}`, SUBSCRIPTIONS));
        r.subscription = SUBSCRIPTIONS / subscriptionSeconds;
        console.log(
          `  round ${round}: subscription deliveries ${fmt(r.subscription)}/s (receiver saw ${received - seenBefore}, all recorded delivered) | ${(r.subscription / r.raw).toFixed(2)}× this round's raw`,
        );
      }
    }
  }

  let emailSeconds;
  if (EMAILS) {
    const mailsBefore = mails;
    emailSeconds = await workerRun(await seedDeliveries("mail", EMAILS, "email"));
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
  if (worker) await stopAll([worker]);
  raw?.kill();
  await queues.close();
  await pg.end().catch(() => undefined);
  redis.disconnect();
  await scratch.remove();
  receiver.close();
  smtp.close();
}
