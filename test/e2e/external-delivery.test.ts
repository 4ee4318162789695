import { Queue } from "bullmq";
import { Webhook } from "standardwebhooks";
import { QUEUES } from "@herald/runtime";
import { api, eventually, publish, sleep } from "../support/clients";
import { SmtpCatcher, WebhookReceiver } from "../support/receivers";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 300;
const TIMEOUT_MS = 1000;

interface DeliveryRow extends Record<string, unknown> {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/**
 * Webhooks and email end to end: ingest, router, gateway and delivery-worker
 * as processes, a real HTTP receiver and a real SMTP server.
 */
describe("external delivery: signed webhooks and SMTP email", () => {
  let stack: TestStack;
  let smtp: SmtpCatcher;
  let gateway: string;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    smtp = await new SmtpCatcher().start();
    stack = await TestStack.create({
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      EMAIL_BACKOFF_MS: String(BACKOFF_MS),
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      SMTP_FROM: "Herald <alerts@herald.test>",
      DELIVERY_LOCK_MS: "1500",
      DELIVERY_STALLED_INTERVAL_MS: "500",
    });
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway"), stack.start("delivery-worker")]);
    gateway = stack.service("realtime-gateway").url;
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack.stop();
    await smtp.stop();
  });

  const receiver = async (respond?: (index: number) => number | "hang") => {
    const r = await new WebhookReceiver(respond).start();
    receivers.push(r);
    return r;
  };

  /** A user whose job.failed notifications go to a webhook; returns their signing secret. */
  async function webhookUser(userId: string, url: string): Promise<string> {
    const token = userToken(userId);
    const settings = await api(gateway, token, "PUT", "/api/v1/notifications/settings", { webhookUrl: url });
    expect(settings.status).toBe(200);
    const prefs = await api(gateway, token, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "webhook"] });
    expect(prefs.status).toBe(200);
    return settings.body.webhookSecret as string;
  }

  const fail = (userId: string, extra: Record<string, unknown> = {}) =>
    publish(stack.service("ingest").url, producerToken(), {
      type: "job.failed",
      payload: { ownerUserId: userId, jobName: "train", error: "OOM", ...extra },
    });

  const deliveriesOf = (userId: string) =>
    stack.db.query<DeliveryRow>(`SELECT id::text, status, attempts, last_error FROM deliveries WHERE user_id = $1 ORDER BY id`, [userId]);
  const attemptsOf = (deliveryId: string) =>
    stack.db.query<{ attempt: number; outcome: string; http_status: number | null; error: string | null; duration_ms: number }>(
      `SELECT attempt, outcome, http_status, error, duration_ms FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );
  const deliveryIn = (userId: string, status: string) =>
    eventually(async () => (await deliveriesOf(userId)).find((d) => d.status === status), 20_000, `${userId}'s delivery ${status}`);

  it("signs webhooks so an independent Standard Webhooks implementation verifies them", async () => {
    const hook = await receiver();
    const secret = await webhookUser("hooked", hook.url());
    expect((await fail("hooked")).status).toBe(202);
    await deliveryIn("hooked", "delivered");
    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    const verified = new Webhook(secret).verify(request!.body, {
      "webhook-id": String(request!.headers["webhook-id"]),
      "webhook-timestamp": String(request!.headers["webhook-timestamp"]),
      "webhook-signature": String(request!.headers["webhook-signature"]),
    }) as Record<string, any>;
    expect(verified).toMatchObject({
      type: "job.failed",
      occurredAt: expect.any(String),
      payload: { ownerUserId: "hooked", jobName: "train", error: "OOM" },
      notification: { title: "Job failed", body: "train failed: OOM", category: "job", critical: false },
    });
    expect(() =>
      new Webhook(`whsec_${Buffer.from("another secret, 32 bytes long!!").toString("base64")}`).verify(
        request!.body,
        request!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it("a receiver that fails twice then succeeds gets exactly 3 attempts with growing delays, and the delivery ends delivered", async () => {
    const hook = await receiver((i) => (i < 2 ? 503 : 200));
    await webhookUser("flaky", hook.url());
    await fail("flaky");
    const delivery = await deliveryIn("flaky", "delivered");
    await sleep(BACKOFF_MS * 3);
    expect(hook.requests).toHaveLength(3);
    const [a, b, c] = hook.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(BACKOFF_MS * 0.9);
    expect(c! - b!).toBeGreaterThan(b! - a!);
    // The same webhook-id on every attempt lets the receiver drop repeats.
    expect(new Set(hook.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect((await attemptsOf(delivery.id)).map((x) => [x.attempt, x.outcome, x.http_status])).toEqual([
      [1, "failure", 503],
      [2, "failure", 503],
      [3, "success", 200],
    ]);
    expect(delivery.attempts).toBe(3);
  });

  it("a receiver that always fails ends dead_lettered after the max attempts, every attempt recorded; the retry endpoint re-queues it", async () => {
    let answer = 500;
    const hook = await receiver(() => answer);
    await webhookUser("doomed", hook.url());
    await fail("doomed");
    const delivery = await deliveryIn("doomed", "dead_lettered");
    await sleep(BACKOFF_MS * 4);
    expect(hook.requests).toHaveLength(MAX_ATTEMPTS);
    expect((await attemptsOf(delivery.id)).map((x) => x.outcome)).toEqual(["failure", "failure", "failure"]);
    expect(delivery.last_error).toBe("HTTP 500");

    // The endpoint is back; an operator retries the dead letter.
    answer = 200;
    const ingest = stack.service("ingest").url;
    const admin = userToken("ops", "admin");
    expect((await api(ingest, userToken("not-ops"), "POST", `/api/v1/admin/deliveries/${delivery.id}/retry`)).status).toBe(403);
    const retried = await api(ingest, admin, "POST", `/api/v1/admin/deliveries/${delivery.id}/retry`);
    expect(retried).toEqual({ status: 202, body: { id: delivery.id, status: "queued", round: 1 } });
    await deliveryIn("doomed", "delivered");
    expect(hook.requests).toHaveLength(MAX_ATTEMPTS + 1);
    const detail = await api(ingest, admin, "GET", `/api/v1/admin/deliveries/${delivery.id}`);
    expect(detail.body).toMatchObject({ id: delivery.id, status: "delivered", channel: "webhook", userId: "doomed", round: 1 });
    expect(detail.body.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(["failure", "failure", "failure", "success"]);
    // Retrying what is not dead-lettered changes nothing.
    expect((await api(ingest, admin, "POST", `/api/v1/admin/deliveries/${delivery.id}/retry`)).status).toBe(409);
    // A job of the first round run again (as the dashboard's "retry" would) sends nothing.
    const connection = stack.redis.duplicate();
    const queue = new Queue(QUEUES.webhook, { connection, prefix: stack.names.queuePrefix });
    const replay = await queue.add("webhook", { deliveryId: delivery.id, round: 0 }, { jobId: "replay-of-round-0" });
    await eventually(async () => ((await replay.isCompleted()) ? true : undefined), 10_000, "replayed job done");
    expect(await queue.getJob("replay-of-round-0").then((j) => j?.returnvalue)).toBe("stale");
    await queue.close();
    await connection.quit();
    expect(hook.requests).toHaveLength(MAX_ATTEMPTS + 1);
    const listed = await api(ingest, admin, "GET", "/api/v1/admin/deliveries?status=delivered&channel=webhook");
    expect(listed.body.items.map((d: { id: string }) => d.id)).toContain(delivery.id);
  });

  it("a receiver that hangs is cut at the timeout", async () => {
    const hook = await receiver(() => "hang");
    await webhookUser("hung", hook.url());
    await fail("hung");
    const delivery = await deliveryIn("hung", "dead_lettered");
    const attempts = await attemptsOf(delivery.id);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    for (const attempt of attempts) {
      expect(attempt.error).toBe(`timed out after ${TIMEOUT_MS} ms`);
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
      expect(attempt.duration_ms).toBeLessThan(TIMEOUT_MS * 3);
    }
  });

  it("refuses a webhook whose host resolves to a private address unless allowlisted, without retrying", async () => {
    const hook = await receiver();
    // Only the literal 127.0.0.1 is allowlisted here; "localhost" resolves there but is not.
    await webhookUser("sneaky", hook.url("localhost"));
    await fail("sneaky");
    const delivery = await deliveryIn("sneaky", "dead_lettered");
    expect(delivery.last_error).toMatch(/refused: localhost resolves to non-public address/);
    expect(await attemptsOf(delivery.id)).toHaveLength(1);
    expect(hook.requests).toHaveLength(0);
  });

  it("emails the right recipient with the event type in the subject and an escaped HTML body", async () => {
    const token = userToken("mailed");
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/settings", { email: "mailed@example.com" })).status).toBe(200);
    expect((await api(gateway, token, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["email"] })).status).toBe(200);
    await fail("mailed", { jobName: `<script>alert("x")</script> & co` });
    await deliveryIn("mailed", "delivered");
    const mail = await eventually(() =>
      smtp.messages.find((m) => m.subject?.includes("job.failed") && (m.to as { text: string }).text === "mailed@example.com"),
    );
    expect(mail.from?.value).toEqual([{ name: "Herald", address: "alerts@herald.test" }]);
    expect(mail.subject).toBe("[Herald] job.failed: Job failed");
    expect(mail.text).toContain(`<script>alert("x")</script> & co failed: OOM`);
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co failed: OOM");
    expect(mail.html).not.toContain("<script>");
    // Email-only: nothing in the in-app list.
    expect((await api(gateway, token, "GET", "/api/v1/notifications")).body.items).toEqual([]);
  });

  it("emails critical alerts to admins whose address is known, whatever their preferences", async () => {
    const adminToken = userToken("root-mail", "admin", { email: "root@example.com" });
    expect(
      (await api(gateway, adminToken, "PUT", "/api/v1/notifications/preferences/system.disk_warning", { enabled: false })).status,
    ).toBe(200);
    const res = await publish(stack.service("ingest").url, producerToken(), {
      type: "system.disk_warning",
      payload: { host: "gpu-3", mountPoint: "/data", metric: "free_percent", value: 4, threshold: 5 },
    });
    expect(res.status).toBe(202);
    const mail = await eventually(
      () => smtp.messages.find((m) => (m.to as { text: string }).text === "root@example.com"),
      20_000,
      "critical email",
    );
    expect(mail.subject).toBe("[Herald] CRITICAL system.disk_warning: Disk space low");
    expect(mail.text).toContain("gpu-3 /data free_percent 4 (threshold 5)");
  });

  it("killing the delivery-worker mid-job loses nothing: the job is picked up again after restart", async () => {
    let hang = true;
    const hook = await receiver(() => (hang ? "hang" : 200));
    await webhookUser("survivor", hook.url());
    await fail("survivor");
    await eventually(() => (hook.requests.length === 1 ? true : undefined), 20_000, "first request in flight");
    await stack.service("delivery-worker").kill();
    hang = false;
    await stack.service("delivery-worker").spawn();
    const delivery = await deliveryIn("survivor", "delivered");
    expect(hook.requests.length).toBeGreaterThanOrEqual(2);
    // The killed attempt is on record too (it may have reached the receiver), closed as interrupted.
    expect((await attemptsOf(delivery.id)).map((a) => a.outcome)).toEqual(["interrupted", "success"]);
  });
});
