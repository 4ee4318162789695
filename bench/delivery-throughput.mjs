// Webhook and email delivery throughput: one delivery-worker process against
// a local HTTP receiver and a local SMTP server (smtp-server), both in this
// process. Deliveries are written straight to a scratch database and queued,
// so only the worker is measured.
//
//   npm run bench:delivery [-- --webhooks 2000 --emails 1000 --webhook-concurrency 32 --email-concurrency 8 --per-host 32]
import http from "node:http";
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
    emails: { type: "string", default: "1000" },
    "webhook-concurrency": { type: "string", default: "32" },
    "email-concurrency": { type: "string", default: "8" },
    "per-host": { type: "string", default: "32" },
  },
});
const WEBHOOKS = Number(values.webhooks);
const EMAILS = Number(values.emails);

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

const pg = new Client({ connectionString: databaseUrl });
let worker;
const queues = openDeliveryQueues(redis, names.queuePrefix);
try {
  await applyMigrations({ databaseUrl });
  await pg.connect();
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const total = WEBHOOKS + EMAILS;
  await pg.query(`INSERT INTO users (id) SELECT 'u' || g FROM generate_series(1, 100) g`);
  await pg.query(
    `INSERT INTO user_notification_settings (user_id, email, webhook_url, webhook_secret) SELECT id, id || '@example.com', $1, $2 FROM users`,
    [url, secret],
  );
  await pg.query(
    `INSERT INTO events (id, event_type_id, occurred_at, payload) SELECT 'e' || g, (SELECT id FROM event_types WHERE name = 'job.failed'), now(), '{"jobName":"bench"}' FROM generate_series(1, $1) g`,
    [total],
  );
  await pg.query(
    `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, channels, status)
     SELECT 'e' || g, 'u' || (g % 100 + 1), 'job.failed', 'job', 'Job failed', 'bench failed', CASE WHEN g <= $1 THEN ARRAY['webhook'] ELSE ARRAY['email'] END, 'delivered'
     FROM generate_series(1, $2) g`,
    [WEBHOOKS, total],
  );
  const { rows } = await pg.query(
    `INSERT INTO deliveries (notification_id, user_id, channel) SELECT id, user_id, channels[1] FROM notifications ORDER BY id RETURNING id::text, channel, round`,
  );
  const policy = { maxAttempts: 3, backoffMs: 1000 };
  await new DeliveryEnqueuer(queues, { webhook: policy, email: policy }).enqueue(rows);

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
  const started = performance.now();
  worker = startService("delivery-worker", env);
  await waitReady(worker, "http://127.0.0.1:3193");
  const timeOf = {};
  for (;;) {
    const { rows: counts } = await pg.query(
      `SELECT channel, count(*) FILTER (WHERE status = 'delivered')::int AS done FROM deliveries GROUP BY channel`,
    );
    for (const c of counts)
      if (!timeOf[c.channel] && c.done === (c.channel === "webhook" ? WEBHOOKS : EMAILS))
        timeOf[c.channel] = (performance.now() - started) / 1000;
    if ((timeOf.webhook || !WEBHOOKS) && (timeOf.email || !EMAILS)) break;
    if (performance.now() - started > 300_000) throw new Error("did not finish within 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(
    `delivery throughput (one worker; webhook concurrency ${env.WEBHOOK_CONCURRENCY}, per host ${env.WEBHOOK_PER_HOST_CONCURRENCY}; email concurrency ${env.EMAIL_CONCURRENCY}, SMTP pool 5)`,
  );
  if (WEBHOOKS)
    console.log(
      `  webhooks: ${WEBHOOKS} in ${timeOf.webhook.toFixed(2)} s → ${(WEBHOOKS / timeOf.webhook).toFixed(0)}/s (receiver saw ${received}); both queues ran at once`,
    );
  if (EMAILS)
    console.log(
      `  emails:   ${EMAILS} in ${timeOf.email.toFixed(2)} s → ${(EMAILS / timeOf.email).toFixed(0)}/s (SMTP server accepted ${mails})`,
    );
  // No raw signed-POST counterpart yet (#16).
  reportSummary("delivery", [
    ...(WEBHOOKS ? [{ figure: "delivery-worker webhooks", unit: "webhooks/s", project: WEBHOOKS / timeOf.webhook }] : []),
    ...(EMAILS ? [{ figure: "delivery-worker emails", unit: "emails/s", project: EMAILS / timeOf.email }] : []),
  ]);
} finally {
  if (worker) await stopAll([worker]);
  await queues.close();
  await pg.end().catch(() => undefined);
  redis.disconnect();
  await scratch.remove();
  receiver.close();
  smtp.close();
}
