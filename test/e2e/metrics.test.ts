import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { api, eventually, publish, RecordingClient } from "../support/clients";
import { FakeNvidiaSmi, oneGpuCsv } from "../support/fake-nvidia-smi";
import { promtoolCheck, scrape, TEST_METRICS_TOKEN, type Scrape } from "../support/metrics";
import { WebhookReceiver } from "../support/receivers";
import type { ServiceName } from "../support/service-process";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

const SERVICES: readonly ServiceName[] = [
  "ingest",
  "router",
  "realtime-gateway",
  "delivery-worker",
  "digest-scheduler",
  "hardware-monitor",
];
const DIGEST_MS = 1_500;

/**
 * GET /metrics on every service, as processes with real Redis, Postgres,
 * Socket.IO and a webhook receiver: an event published through ingest moves
 * each service's counters on its way, every scrape is valid for
 * `promtool check metrics`, and none is served without the METRICS_TOKEN.
 */
describe("metrics: GET /metrics on every service", () => {
  let stack: TestStack;
  let hook: WebhookReceiver;
  let smi: FakeNvidiaSmi;
  let bufferDir: string;
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    // Fails here, with the fix in the message, rather than in every test below.
    promtoolCheck("");
    hook = await new WebhookReceiver().start();
    smi = await FakeNvidiaSmi.create({ stdout: oneGpuCsv(45) });
    bufferDir = await fs.mkdtemp(path.join(os.tmpdir(), "metrics-e2e-"));
    stack = await TestStack.create({
      METRICS_TOKEN: TEST_METRICS_TOKEN,
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
      SCHEDULER_TICK_MS: "250",
      DIGEST_HOURLY_MS: String(DIGEST_MS),
    });
    await Promise.all(SERVICES.filter((s) => s !== "hardware-monitor").map((s) => stack.start(s)));
    await stack.start("hardware-monitor", {
      env: {
        INGEST_URL: stack.service("ingest").url,
        HERALD_TOKEN: producerToken("hardware-monitor"),
        NVIDIA_SMI_PATH: smi.path,
        MONITOR_HOSTNAME: "metrics-node",
        MONITOR_INTERVAL_MS: "100",
        MONITOR_BUFFER_DIR: bufferDir,
        DISK_MOUNTS: os.tmpdir(),
        DISK_FREE_WARNING_PERCENT: "0",
        DISK_FREE_CRITICAL_PERCENT: "0",
      },
    });
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack?.stop();
    await hook?.stop();
    await smi?.remove();
    if (bufferDir) await fs.rm(bufferDir, { recursive: true, force: true });
  });

  const url = (name: ServiceName) => stack.service(name).url;
  const gateway = () => url("realtime-gateway");
  const metricsOf = (name: ServiceName) => scrape(url(name));
  /** Polls a service's metrics until `value` of a scrape is defined and passes `ok`. */
  const until = async (name: ServiceName, label: string, read: (s: Scrape) => number | undefined, ok: (v: number) => boolean) =>
    eventually(
      async () => {
        const value = read(await metricsOf(name));
        return value !== undefined && ok(value) ? value : undefined;
      },
      15_000,
      `${name}: ${label}`,
    );
  const connect = async (userId: string) => {
    const client = new RecordingClient(gateway(), userToken(userId));
    clients.push(client);
    await client.connected();
    // The first unread count means the gateway has stored the user.
    await eventually(() => (client.unreadCounts.length > 0 ? true : undefined), 5_000, "initial unread count");
    return client;
  };
  const send = async (event: Record<string, unknown>) => {
    const res = await publish(url("ingest"), producerToken(), event);
    expect(res.status).toBe(202);
    return res.body!.id as string;
  };

  it("an event through ingest moves ingest's, the router's, the gateway's and the delivery-worker's counters", async () => {
    const user = "metrics-hooked";
    const token = userToken(user);
    expect((await api(gateway(), token, "PUT", "/api/v1/notifications/settings", { webhookUrl: hook.url() })).status).toBe(200);
    expect(
      (await api(gateway(), token, "PUT", "/api/v1/notifications/preferences/job.failed", { channels: ["in_app", "webhook"] })).status,
    ).toBe(200);
    const client = await connect(user);
    // The monitor publishes through ingest too (its start announcement): wait until that is in, so the figures below are this test's.
    await until(
      "hardware-monitor",
      "start announcement delivered",
      (s) => s.value("herald_monitor_events_delivered_total"),
      (v) => v >= 1,
    );
    const [ingest, router, gw, delivery] = await Promise.all(
      (["ingest", "router", "realtime-gateway", "delivery-worker"] as const).map(metricsOf),
    );

    const id = await send({ type: "job.failed", payload: { ownerUserId: user, jobName: "train", error: "OOM" } });
    await eventually(() => client.notifications.find((n) => n.eventId === id), 10_000, "notification on the socket");
    await eventually(() => (hook.requests.length > 0 ? true : undefined), 15_000, "webhook delivered");

    const accepted = "herald_ingest_events_accepted_total";
    expect((await metricsOf("ingest")).value(accepted)).toBe(ingest!.value(accepted)! + 1);
    const durations = await metricsOf("ingest");
    expect(durations.value("herald_ingest_publish_duration_seconds_count", { endpoint: "single", outcome: "accepted" })).toBe(
      (ingest!.value("herald_ingest_publish_duration_seconds_count", { endpoint: "single", outcome: "accepted" }) ?? 0) + 1,
    );

    const routed = await metricsOf("router");
    expect(routed.value("herald_router_events_routed_total")).toBeGreaterThanOrEqual(
      router!.value("herald_router_events_routed_total")! + 1,
    );
    const pending = { status: "pending" };
    expect(routed.value("herald_router_notifications_total", pending)).toBeGreaterThanOrEqual(
      router!.value("herald_router_notifications_total", pending)! + 1,
    );
    expect(routed.value("herald_router_batch_duration_seconds_count")).toBeGreaterThan(
      router!.value("herald_router_batch_duration_seconds_count") ?? 0,
    );
    expect(routed.value("herald_router_dead_letters_total")).toBe(0);
    // Everything read and acknowledged: no lag, nothing pending.
    await until(
      "router",
      "stream drained",
      (s) => s.value("herald_router_stream_pending"),
      (v) => v === 0,
    );
    expect((await metricsOf("router")).value("herald_router_stream_lag")).toBe(0);

    const notification = { event: "notification" };
    expect((await metricsOf("realtime-gateway")).value("herald_gateway_emits_total", notification)).toBe(
      (gw!.value("herald_gateway_emits_total", notification) ?? 0) + 1,
    );
    expect((await metricsOf("realtime-gateway")).value("herald_gateway_connected_sockets")).toBeGreaterThanOrEqual(1);

    const delivered = { channel: "webhook", outcome: "delivered" };
    await until(
      "delivery-worker",
      "webhook delivered",
      (s) => s.value("herald_delivery_deliveries_total", delivered),
      (v) => v === 1,
    );
    const worker = await metricsOf("delivery-worker");
    expect(delivery!.value("herald_delivery_deliveries_total", delivered)).toBe(0);
    expect(worker.value("herald_delivery_attempt_duration_seconds_count", { channel: "webhook", outcome: "success" })).toBe(1);
    expect(worker.value("herald_delivery_deliveries_total", { outcome: "dead_lettered" })).toBe(0);
    // Depths of both queues, by state, read at the scrape: the one job is done, so nothing waits.
    expect(worker.matching("herald_delivery_queue_jobs").map((s) => s.labels.queue)).toEqual(
      expect.arrayContaining(["deliveries-webhook", "deliveries-email"]),
    );
    expect(worker.value("herald_delivery_queue_jobs", { state: "waiting" })).toBe(0);
  });

  it("the digest-scheduler counts its ticks, a DND release and a digest sent", async () => {
    const sleeper = "metrics-sleeper";
    const until1s = new Date(Date.now() + 1_000).toISOString();
    expect(
      (await api(gateway(), userToken(sleeper), "PUT", "/api/v1/notifications/settings", { dndEnabled: true, dndUntil: until1s })).status,
    ).toBe(200);
    const digester = "metrics-digester";
    expect(
      (
        await api(gateway(), userToken(digester), "PUT", "/api/v1/notifications/settings", {
          digestEnabled: true,
          digestInterval: "hourly",
        })
      ).status,
    ).toBe(200);
    const [asleep, digesting] = [await connect(sleeper), await connect(digester)];
    const held = await send({ type: "job.failed", payload: { ownerUserId: sleeper, jobName: "held" } });
    await send({ type: "job.completed", payload: { ownerUserId: digester, jobName: "digested" } });

    await eventually(() => asleep.notifications.find((n) => n.eventId === held), 15_000, "DND release");
    await eventually(() => digesting.notifications.find((n) => n.type === "digest"), 15_000, "digest");
    await until(
      "digest-scheduler",
      "a DND release",
      (s) => s.value("herald_scheduler_dnd_releases_total"),
      (v) => v >= 1,
    );
    await until(
      "digest-scheduler",
      "a digest sent",
      (s) => s.value("herald_scheduler_digests_total", { outcome: "sent" }),
      (v) => v >= 1,
    );
    const scheduler = await metricsOf("digest-scheduler");
    expect(scheduler.value("herald_scheduler_dnd_released_notifications_total")).toBeGreaterThanOrEqual(1);
    expect(scheduler.value("herald_scheduler_tick_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    const router = await metricsOf("router");
    expect(router.value("herald_router_notifications_total", { status: "held" })).toBeGreaterThanOrEqual(1);
    expect(router.value("herald_router_notifications_total", { status: "digest" })).toBeGreaterThanOrEqual(1);
  });

  it("the hardware monitor counts its polls, samples and the events it published, and shows its outbox and readings", async () => {
    await until(
      "hardware-monitor",
      "GPU samples",
      (s) => s.value("herald_monitor_samples_total", { kind: "gpu" }),
      (v) => v >= 2,
    );
    const monitor = await metricsOf("hardware-monitor");
    expect(monitor.value("herald_monitor_samples_total", { kind: "disk" })).toBeGreaterThanOrEqual(2);
    expect(monitor.value("herald_monitor_polls_total", { result: "ok" })).toBeGreaterThanOrEqual(2);
    expect(monitor.value("herald_monitor_polls_total", { result: "failed" })).toBe(0);
    expect(monitor.value("herald_monitor_alerts_total", { type: "system.restart" })).toBe(1);
    expect(monitor.value("herald_monitor_events_delivered_total")).toBe(1);
    expect(monitor.value("herald_monitor_outbox_events")).toBe(0);
    expect(monitor.value("herald_monitor_gpu_temperature_celsius", { gpu: "0" })).toBe(45);
    const free = monitor.value("herald_monitor_disk_free_ratio", { mount: os.tmpdir() });
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(1);
  });

  it("every service answers /metrics with the token only, labelled with its name, in text promtool accepts", async () => {
    for (const name of SERVICES) {
      const without = await fetch(`${url(name)}/metrics`);
      expect({ name, status: without.status, body: await without.json() }).toEqual({
        name,
        status: 401,
        body: { error: { code: "unauthorized", message: expect.any(String) } },
      });
      const wrong = await fetch(`${url(name)}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}x` } });
      expect({ name, status: wrong.status }).toEqual({ name, status: 401 });

      const res = await fetch(`${url(name)}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect({ name, promtool: promtoolCheck(text) }).toEqual({ name, promtool: { status: 0, output: "" } });
      const samples = (await metricsOf(name)).samples;
      // Every sample carries the service's name; Node's process metrics are there, prefixed.
      expect(samples.filter((s) => s.labels.service !== name)).toEqual([]);
      expect(samples.find((s) => s.name === "herald_process_resident_memory_bytes")?.value).toBeGreaterThan(0);
      expect(samples.filter((s) => !s.name.startsWith("herald_"))).toEqual([]);
      // Every gauge read at scrape time (stream backlog, queue depths, outbox) was read.
      expect({ name, failedReads: samples.filter((s) => s.name === "herald_scrape_read_failures_total") }).toEqual({
        name,
        failedReads: [],
      });
    }
  });
});
