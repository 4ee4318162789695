import { randomBytes } from "node:crypto";
import { UnrecoverableError, Worker } from "bullmq";
import { DeliveryEnqueuer, deliveryJobId, openDeliveryQueues, retryPolicies } from "@herald/dispatch";
import { QUEUES, type RedisClient } from "@herald/runtime";
import { api, eventually, sleep } from "../support/clients";
import { TEST_PG_URL } from "../support/env";
import { SmtpCatcher, WebhookReceiver } from "../support/receivers";
import type { ServiceProcess } from "../support/service-process";
import { TestStack } from "../support/stack";
import { testRedis } from "../support/test-redis";
import { TcpProxy } from "../support/tcp-proxy";
import { userToken } from "../support/tokens";

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 300;
/** 300 + 600 ms: every retry the policy allows is spent well within an outage of this length. */
const OUTAGE_MS = 4_000;

interface DeliveryRow extends Record<string, unknown> {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/**
 * What becomes of deliveries when things break under the delivery-worker: a
 * worker killed mid-send (once, twice, more), Postgres going away for longer
 * than the retry schedule, jobs lost from or failed in Redis, and email
 * addresses that are really lists. The worker is a real process reaching
 * Postgres through a TCP proxy the test can cut; deliveries are rows and jobs
 * made the way the router makes them (its DeliveryEnqueuer), sent to a real
 * HTTP receiver and a real SMTP server.
 */
describe("delivery recovery: crashes, outages, lost jobs, bad addresses", () => {
  let stack: TestStack;
  let smtp: SmtpCatcher;
  let proxy: TcpProxy;
  let connection: RedisClient;
  let queues: ReturnType<typeof openDeliveryQueues>;
  let enqueuer: DeliveryEnqueuer;
  let worker: ServiceProcess;
  let proxiedDatabaseUrl: string;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    smtp = await new SmtpCatcher().start();
    proxy = await TcpProxy.start({ host: "127.0.0.1", port: Number(new URL(TEST_PG_URL).port || 5432) });
    stack = await TestStack.create({
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
      WEBHOOK_TIMEOUT_MS: "5000",
      EMAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      EMAIL_BACKOFF_MS: String(BACKOFF_MS),
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      DELIVERY_LOCK_MS: "1500",
      DELIVERY_STALLED_INTERVAL_MS: "500",
      DELIVERY_SWEEP_INTERVAL_MS: "500",
      DELIVERY_SWEEP_AGE_MS: "2000",
      DELIVERY_OUTAGE_PROBE_MS: "250",
    });
    proxiedDatabaseUrl = proxy.rewrite(stack.db.url);
    connection = testRedis(stack.redisUrl, { maxRetriesPerRequest: null });
    queues = openDeliveryQueues(connection, stack.names.queuePrefix);
    enqueuer = new DeliveryEnqueuer(
      queues,
      retryPolicies({
        WEBHOOK_MAX_ATTEMPTS: MAX_ATTEMPTS,
        WEBHOOK_BACKOFF_MS: BACKOFF_MS,
        EMAIL_MAX_ATTEMPTS: MAX_ATTEMPTS,
        EMAIL_BACKOFF_MS: BACKOFF_MS,
      }),
    );
    worker = await stack.start("delivery-worker", { env: { DATABASE_URL: proxiedDatabaseUrl } });
  });

  afterAll(async () => {
    await proxy.open();
    await Promise.all(receivers.map((r) => r.stop()));
    await queues.close();
    connection.disconnect();
    await stack.stop();
    await smtp.stop();
    await proxy.close();
  });

  // A test that failed half-way must not leave the next one without its worker or its database.
  beforeEach(async () => {
    await proxy.open();
    if (!worker.running) await worker.spawn();
  });

  const receiver = async (respond?: (index: number) => number | "hang") => {
    const r = await new WebhookReceiver(respond).start();
    receivers.push(r);
    return r;
  };

  const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => stack.db.query<T>(text, params);

  /** A stored notification with one delivery row on `channel`, as the router leaves it (status queued, round 0). */
  async function deliveryRow(
    channel: "webhook" | "email",
    to: { webhookUrl?: string; settingsEmail?: string; claimEmail?: string },
  ): Promise<string> {
    const userId = `u-${randomBytes(4).toString("hex")}`;
    await sql(`INSERT INTO users (id, email) VALUES ($1, $2)`, [userId, to.claimEmail ?? null]);
    await sql(`INSERT INTO user_notification_settings (user_id, email, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4)`, [
      userId,
      to.settingsEmail ?? null,
      to.webhookUrl ?? null,
      to.webhookUrl ? `whsec_${randomBytes(32).toString("base64")}` : null,
    ]);
    const [event] = await sql<{ id: string }>(
      `INSERT INTO events (id, event_type_id, occurred_at, payload)
       SELECT gen_random_uuid()::text, id, now(), $1::jsonb FROM event_types WHERE name = 'job.failed' RETURNING id`,
      [JSON.stringify({ ownerUserId: userId, jobName: "train", error: "OOM" })],
    );
    const [notification] = await sql<{ id: string }>(
      `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, channels, status)
       VALUES ($1, $2, 'job.failed', 'job', 'Job failed', 'train failed: OOM', ARRAY['in_app', $3], 'delivered') RETURNING id::text`,
      [event!.id, userId, channel],
    );
    const [delivery] = await sql<{ id: string }>(
      `INSERT INTO deliveries (notification_id, user_id, channel) VALUES ($1, $2, $3) RETURNING id::text`,
      [notification!.id, userId, channel],
    );
    return delivery!.id;
  }

  /** A delivery row and its job, as the router makes them. */
  async function queued(channel: "webhook" | "email", to: Parameters<typeof deliveryRow>[1]): Promise<string> {
    const id = await deliveryRow(channel, to);
    await enqueuer.enqueue([{ id, channel, round: 0 }]);
    return id;
  }

  const delivery = async (id: string) =>
    (await sql<DeliveryRow>(`SELECT id::text, status, attempts, last_error FROM deliveries WHERE id = $1`, [id]))[0]!;
  const attemptsOf = (id: string) =>
    sql<{ attempt: number; outcome: string; error: string | null }>(
      `SELECT attempt, outcome, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
      [id],
    );
  const settled = (id: string, timeoutMs = 20_000) =>
    eventually(
      async () => {
        const row = await delivery(id);
        return row.status === "queued" ? undefined : row;
      },
      timeoutMs,
      `delivery ${id} settled`,
    );

  /** Waits for the receiver's `count`th request, then kills the worker while that request is unanswered. */
  async function killDuring(hook: WebhookReceiver, count: number, target = worker): Promise<void> {
    await eventually(() => (hook.requests.length >= count ? true : undefined), 20_000, `request ${count}`);
    await target.kill();
  }

  it("puts an attempt cut off by SIGKILL on record, and ends the delivery delivered after a restart", async () => {
    const hook = await receiver((i) => (i === 0 ? "hang" : 200));
    const id = await queued("webhook", { webhookUrl: hook.url() });
    await killDuring(hook, 1);
    // The request went out and the worker died before the answer: the attempt is there, as started.
    expect((await attemptsOf(id)).map((a) => [a.attempt, a.outcome])).toEqual([[1, "started"]]);

    await worker.spawn();
    expect(await settled(id)).toMatchObject({ status: "delivered", attempts: 2 });
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => a.outcome)).toEqual(["interrupted", "success"]);
    // Every request the receiver saw is an attempt on record.
    expect(hook.requests).toHaveLength(attempts.length);
  });

  it("delivers a job during which the worker was killed twice: never left queued", async () => {
    const hook = await receiver((i) => (i < 2 ? "hang" : 200));
    const id = await queued("webhook", { webhookUrl: hook.url() });
    await killDuring(hook, 1);
    await worker.spawn();
    await killDuring(hook, 2);
    await worker.spawn();
    expect(await settled(id)).toMatchObject({ status: "delivered", attempts: 3 });
    expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(["interrupted", "interrupted", "success"]);
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
  });

  it("dead-letters, with the reason, a job that stalls more often than DELIVERY_MAX_STALLED_COUNT; the operator's retry then delivers it", async () => {
    await worker.stop();
    const strict = await stack.start("delivery-worker", {
      key: "strict-worker",
      env: { DATABASE_URL: proxiedDatabaseUrl, DELIVERY_MAX_STALLED_COUNT: "1" },
    });
    const ingest = await stack.start("ingest");
    try {
      const hook = await receiver((i) => (i < 2 ? "hang" : 200));
      const id = await queued("webhook", { webhookUrl: hook.url() });
      await killDuring(hook, 1, strict);
      await strict.spawn();
      await killDuring(hook, 2, strict);
      await strict.spawn();
      const dead = await settled(id);
      expect(dead.status).toBe("dead_lettered");
      expect(dead.last_error).toMatch(/stalled/);
      expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(["interrupted", "interrupted"]);
      expect(hook.requests).toHaveLength(2);

      const retried = await api(ingest.url, userToken("ops", "admin"), "POST", `/api/v1/admin/deliveries/${id}/retry`);
      expect(retried).toEqual({ status: 202, body: { id, status: "queued", round: 1 } });
      expect(await settled(id)).toMatchObject({ status: "delivered" });
      expect(hook.requests).toHaveLength(3);
    } finally {
      await ingest.stop();
      await strict.stop();
      await worker.spawn();
    }
  });

  it("loses nothing to a Postgres outage longer than the retry schedule, and spends no attempt on it", async () => {
    const hook = await receiver();
    await proxy.close();
    const webhooks = await Promise.all(Array.from({ length: 20 }, () => queued("webhook", { webhookUrl: hook.url() })));
    const emails = await Promise.all(Array.from({ length: 10 }, (_, i) => queued("email", { settingsEmail: `outage-${i}@example.com` })));
    await sleep(OUTAGE_MS);
    // Nothing can be sent without reading the delivery first.
    expect(hook.requests).toHaveLength(0);
    await proxy.open();

    const rows = await Promise.all([...webhooks, ...emails].map((id) => settled(id, 30_000)));
    const stuck = rows.filter((r) => r.status !== "delivered");
    expect(stuck).toEqual([]);
    // The outage cost no attempt: each delivery took exactly one, its successful one.
    expect(rows.map((r) => r.attempts)).toEqual(rows.map(() => 1));
    const outcomes = await sql<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM delivery_attempts WHERE delivery_id = ANY($1::bigint[]) GROUP BY outcome`,
      [[...webhooks, ...emails]],
    );
    expect(outcomes).toEqual([{ outcome: "success", n: 30 }]);
    expect(hook.requests).toHaveLength(20);
    expect(new Set(hook.requests.map((r) => r.headers["webhook-id"])).size).toBe(20);
    for (let i = 0; i < 10; i++) expect(smtp.recipients.filter((r) => r === `outage-${i}@example.com`)).toHaveLength(1);
  });

  it("records an answer that arrives during a Postgres outage once Postgres is back, without sending again", async () => {
    const hook = await receiver(() => "hang");
    // As many as WEBHOOK_PER_HOST_CONCURRENCY (4) lets in flight to one host at once.
    const ids = await Promise.all(Array.from({ length: 4 }, () => queued("webhook", { webhookUrl: hook.url() })));
    await eventually(() => (hook.requests.length === 4 ? true : undefined), 20_000, "4 requests in flight");
    await proxy.close();
    hook.answerHanging(200);
    await sleep(OUTAGE_MS);
    await proxy.open();

    const rows = await Promise.all(ids.map((id) => settled(id, 30_000)));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ["delivered", 1]));
    for (const id of ids) expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(["success"]);
    await sleep(1_000);
    expect(hook.requests).toHaveLength(4);
  });

  it("re-enqueues a queued delivery whose job is gone from Redis", async () => {
    const hook = await receiver();
    // Rows the router stored whose jobs never made it into Redis, or were lost from it.
    const lost = [
      await deliveryRow("webhook", { webhookUrl: hook.url() }),
      await deliveryRow("email", { settingsEmail: "lost@example.com" }),
    ];
    const removed = await queued("webhook", { webhookUrl: hook.url() });
    await worker.stop();
    await queues.webhook.remove(deliveryJobId(removed, 0));
    await sql(`UPDATE deliveries SET updated_at = now() - interval '1 hour' WHERE id = ANY($1::bigint[])`, [[...lost, removed]]);
    await worker.spawn();

    for (const id of [...lost, removed]) expect(await settled(id)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(hook.requests).toHaveLength(2);
    expect(smtp.recipients.filter((r) => r === "lost@example.com")).toHaveLength(1);
    // The job the sweeper added is the router's own job id: a late enqueue by the router adds nothing.
    expect(await queues.webhook.getJobState(deliveryJobId(lost[0]!, 0))).toBe("completed");
  });

  it("dead-letters, with its reason, a queued delivery whose job failed where no worker recorded it", async () => {
    await worker.stop();
    const id = await queued("webhook", { webhookUrl: "http://127.0.0.1:9/never" });
    // Some other consumer (a crashed worker of an older release, say) fails the job for good.
    const rogueConnection = testRedis(stack.redisUrl, { maxRetriesPerRequest: null });
    const rogue = new Worker(QUEUES.webhook, null, { connection: rogueConnection, prefix: stack.names.queuePrefix });
    const job = await rogue.getNextJob("rogue-token");
    expect(job?.id).toBe(deliveryJobId(id, 0));
    await job!.moveToFailed(new UnrecoverableError("lost its connection mid-job"), "rogue-token");
    await rogue.close();
    rogueConnection.disconnect();
    expect(await queues.webhook.getJobState(job!.id!)).toBe("failed");

    await worker.spawn();
    const dead = await settled(id);
    expect(dead.status).toBe("dead_lettered");
    expect(dead.last_error).toContain("lost its connection mid-job");
  });

  it("sends an email address that is a list or a group to no one, and dead-letters it with the reason", async () => {
    const cases = [
      { settingsEmail: "a@x, attacker@evil" },
      { settingsEmail: "friends: attacker@evil, other@evil;" },
      { settingsEmail: "Victim <victim@example.com>, attacker@evil" },
      { claimEmail: "victim@example.com,attacker@evil" },
    ];
    const ids = await Promise.all(cases.map((to) => queued("email", to)));
    const fine = await queued("email", { claimEmail: "fine@example.com" });
    for (const id of ids) {
      const row = await settled(id);
      expect(row.status).toBe("dead_lettered");
      expect(row.last_error).toMatch(/not a single email address/);
      expect((await attemptsOf(id)).map((a) => a.outcome)).toEqual(["failure"]);
    }
    expect(await settled(fine)).toMatchObject({ status: "delivered" });
    expect(smtp.recipients.filter((r) => /attacker|other@evil|victim|^a@x$/.test(r))).toEqual([]);
    expect(smtp.recipients).toContain("fine@example.com");
  });
});
