import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tenantKey, type NotificationMessage } from "@herald/contract";
import { loadConfig as loadMonitorConfig } from "../../services/hardware-monitor/src/config";
import { producerToken as monitorProducerToken } from "../../services/hardware-monitor/src/producer-token";
import { eventually, publish, RecordingClient, sleep } from "../support/clients";
import { TEST_JWT_SECRET } from "../support/env";
import { FakeNvidiaSmi, oneGpuCsv } from "../support/fake-nvidia-smi";
import type { ServiceProcess } from "../support/service-process";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * The hardware-monitor agent as its own process, reading a fake nvidia-smi,
 * publishing through ingest to router and realtime-gateway, with real Redis,
 * Postgres and Socket.IO clients.
 */
describe("hardware-monitor end to end", () => {
  let stack: TestStack;
  const clients: RecordingClient[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    stack = await TestStack.create();
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway")]);
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
    await Promise.all(cleanup.map((c) => c()));
  });

  const connect = async (token: string) => {
    const client = new RecordingClient(stack.service("realtime-gateway").url, token);
    clients.push(client);
    await client.connected();
    // The first unread count means the gateway has stored the user (and its role).
    await eventually(() => (client.unreadCounts.length > 0 ? true : undefined), 5_000, "initial unread count");
    return client;
  };

  /** A monitor polling every 100 ms, firing after 300 ms, with disk alerts out of the way. */
  const startMonitor = async (
    key: string,
    host: string,
    smi: FakeNvidiaSmi,
    bufferDir: string,
    env: Record<string, string> = {},
  ): Promise<ServiceProcess> =>
    stack.start("hardware-monitor", {
      key,
      env: {
        INGEST_URL: stack.service("ingest").url,
        HERALD_TOKEN: producerToken("hardware-monitor"),
        NVIDIA_SMI_PATH: smi.path,
        MONITOR_HOSTNAME: host,
        MONITOR_INTERVAL_MS: "100",
        MONITOR_FOR_MS: "300",
        MONITOR_RETRY_MAX_MS: "300",
        MONITOR_BUFFER_DIR: bufferDir,
        DISK_MOUNTS: os.tmpdir(),
        DISK_FREE_WARNING_PERCENT: "0",
        DISK_FREE_CRITICAL_PERCENT: "0",
        ...env,
      },
    });

  const tempDir = async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hm-e2e-"));
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    return dir;
  };

  const fakeSmi = async (csv: string) => {
    const smi = await FakeNvidiaSmi.create({ stdout: csv });
    cleanup.push(() => smi.remove());
    return smi;
  };

  const health = async (monitor: ServiceProcess) => (await (await fetch(`${monitor.url}/health`)).json()) as Record<string, any>;
  const fromHost = (client: RecordingClient, host: string): NotificationMessage[] =>
    client.notifications.filter((n) => n.payload.host === host);
  const describeNotification = (n: NotificationMessage) =>
    `${n.type}${n.payload.state === "firing" || n.payload.state === "resolved" ? `:${String(n.payload.state)}` : ""}`;

  it("a GPU at 92 °C reaches an admin in DND as exactly one system.gpu_critical; a normal user gets nothing", async () => {
    const admin = await connect(userToken("hm-admin", "admin"));
    const user = await connect(userToken("hm-user", "user"));
    await stack.db.query(
      "INSERT INTO user_notification_settings (user_id, dnd_enabled, dnd_until) VALUES ($1, true, now() + interval '1 hour')",
      ["hm-admin"],
    );
    const uuid = "GPU-8d7e6f5a-4b3c-4d2e-9f1a-0b9c8d7e6f5a";
    const smi = await fakeSmi(oneGpuCsv(92, "0x0000000000000000", uuid));
    const monitor = await startMonitor("hm-hot", "gpu-node-7", smi, await tempDir());

    const critical = await eventually(() => admin.notifications.find((n) => n.type === "system.gpu_critical"), 15_000, "gpu_critical");
    expect(critical).toMatchObject({
      type: "system.gpu_critical",
      category: "system",
      critical: true,
      title: "GPU critical",
      payload: {
        host: "gpu-node-7",
        uuid,
        gpuIndex: 0,
        metric: "temperature.gpu",
        value: 92,
        threshold: 90,
        severity: "critical",
        state: "firing",
      },
    });
    expect(critical.body).toContain("gpu-node-7");
    expect(critical.body).toContain("92");

    // Ten more polls at 92 °C: still firing, nothing new to say.
    await sleep(1_000);
    expect(admin.notifications.filter((n) => n.type === "system.gpu_critical")).toHaveLength(1);
    expect(admin.notifications.filter((n) => n.type === "system.gpu_warning")).toHaveLength(0);
    expect(user.notifications).toEqual([]);
    expect(await stack.db.query("SELECT id FROM notifications WHERE user_id = 'hm-user'")).toEqual([]);
    expect(
      await stack.db.query(
        "SELECT n.id FROM notifications n JOIN events e ON e.id = n.event_id WHERE n.user_id = 'hm-admin' AND e.payload->>'severity' = 'critical'",
      ),
    ).toHaveLength(1);

    const state = await health(monitor);
    expect(state).toMatchObject({
      status: "ok",
      service: "hardware-monitor",
      host: "gpu-node-7",
      nvidiaSmi: { state: "ok", reasonField: "clocks_event_reasons.active" },
      gpus: [{ uuid, index: 0, temperatureC: 92 }],
      alerts: [{ key: `gpu/${uuid}/thermal`, level: "critical" }],
      delivery: { pending: 0 },
    });
    expect(state.lastPoll.durationMs).toEqual(expect.any(Number));
    await monitor.stop();
  });

  it("alerts raised while ingest is down arrive after it is back, in order, once, even across an agent crash", async () => {
    const admin = await connect(userToken("hm-admin-2", "admin"));
    const host = "gpu-node-8";
    const smi = await fakeSmi(oneGpuCsv(50));
    const bufferDir = await tempDir();
    const monitor = await startMonitor("hm-outage", host, smi, bufferDir);
    await eventually(() => fromHost(admin, host).find((n) => n.type === "system.restart"), 10_000, "first restart notice");

    const ingest = stack.service("ingest");
    await ingest.stop();

    await smi.set({ stdout: oneGpuCsv(93) });
    await eventually(
      async () => ((await health(monitor)).alerts.some((a: { level: string }) => a.level === "critical") ? true : undefined),
      10_000,
      "critical raised",
    );
    await smi.set({ stdout: oneGpuCsv(50) });
    const buffered = await eventually(
      async () => {
        const h = await health(monitor);
        // Both buffered, and a send attempt made since (pending can reach 2 just before the sender tries again).
        return h.alerts.length === 0 && h.delivery.pending >= 2 && h.delivery.lastError ? h : undefined;
      },
      10_000,
      "resolve raised, both buffered, delivery attempted",
    );
    expect(buffered.delivery).toMatchObject({ pending: 2, lastError: { code: "network_error" } });

    // The agent dies with both alerts still undelivered; what it buffered is on disk.
    await monitor.kill();
    await monitor.spawn();
    await ingest.spawn();

    const expected = ["system.restart", "system.gpu_critical:firing", "system.gpu_critical:resolved", "system.restart"];
    await eventually(() => (fromHost(admin, host).length >= expected.length ? true : undefined), 15_000, "buffered alerts delivered");
    await sleep(700);
    const received = fromHost(admin, host);
    expect(received.map(describeNotification)).toEqual(expected);
    const ids = received.map((n) => n.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(received[1]!.payload).toMatchObject({ value: 93, severity: "critical" });
    expect(received[2]!.payload).toMatchObject({ value: 50, state: "resolved", alertId: received[1]!.payload.alertId });
    expect(await stack.db.query("SELECT id FROM events WHERE payload->>'host' = $1", [host])).toHaveLength(4);
    expect((await health(monitor)).delivery).toMatchObject({ pending: 0 });
  });

  describe("what the monitor's token may publish", () => {
    /** The token a monitor signs for itself (HERALD_DEV_AUTH=1, no HERALD_TOKEN), exactly as it does. */
    const selfSigned = () => {
      const { token } = monitorProducerToken(
        loadMonitorConfig({ JWT_SECRET: TEST_JWT_SECRET, HERALD_DEV_AUTH: "1" }),
        "hardware-monitor@t",
      );
      return typeof token === "function" ? token() : token;
    };
    /** `npm run token -- --producer --types 'system.*'`, as an operator mints the monitor's HERALD_TOKEN. */
    const minted = (args: string[], env: Record<string, string> = { JWT_SECRET: TEST_JWT_SECRET }) =>
      spawnSync(process.execPath, [path.join(__dirname, "..", "..", "scripts", "token.mjs"), ...args], {
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
      });
    const scriptToken = () => {
      const run = minted(["--producer", "--sub", "hardware-monitor", "--types", "system.*"]);
      expect(run.status).toBe(0);
      return run.stdout.trim();
    };
    const alert = (id: string) => ({ id, type: "system.gpu_critical", payload: { host: "scoped-host", value: 95, severity: "critical" } });
    const job = (id: string) => ({ id, type: "job.completed", payload: { ownerUserId: "42", jobName: "phish" } });
    const stored = async (ids: string[]) =>
      (await stack.db.query<{ id: string }>("SELECT id FROM events WHERE id = ANY($1) ORDER BY id", [ids])).map((r) => r.id);

    it.each([
      ["the token it signs itself", "self", selfSigned],
      ["npm run token -- --producer --types 'system.*'", "script", scriptToken],
    ])("%s publishes system.gpu_critical but not job.completed (403), alone or in a batch", async (_name, tag, mint) => {
      const ingest = stack.service("ingest").url;
      const token = mint();
      const refused = await publish(ingest, token, job(`${tag}-job`));
      expect(refused.status).toBe(403);
      expect(refused.body?.error).toMatchObject({
        code: "forbidden",
        message: "this token may not publish job.completed (only system.*)",
        details: [{ path: "type", message: "this token may not publish job.completed" }],
      });
      const batch = await publish(ingest, token, { events: [alert(`${tag}-batch-alert`), job(`${tag}-batch-job`)] }, { path: "/batch" });
      expect(batch.status).toBe(403);
      expect(batch.body?.error.details).toEqual([{ path: "events.1.type", message: "this token may not publish job.completed" }]);

      expect((await publish(ingest, token, alert(`${tag}-alert`))).status).toBe(202);
      const restart = { id: `${tag}-restart`, type: "system.restart", payload: { host: "scoped-host" } };
      expect((await publish(ingest, token, { events: [alert(`${tag}-alert-2`), restart] }, { path: "/batch" })).status).toBe(202);
      // The router stores events in stream order: once the last accepted one is stored, a refused one enqueued before it would be too.
      await eventually(async () => ((await stored([`${tag}-restart`])).length === 1 ? true : undefined), 10_000, "accepted events stored");
      expect(
        await stored([`${tag}-job`, `${tag}-batch-alert`, `${tag}-batch-job`, `${tag}-alert`, `${tag}-alert-2`, `${tag}-restart`]),
      ).toEqual([`${tag}-alert`, `${tag}-alert-2`, `${tag}-restart`].sort());
    });

    it("the token script refuses a type pattern that is malformed or matches nothing, and signing without a secret", () => {
      for (const types of ["system*", "sytem.*", ""]) {
        const run = minted(["--producer", "--types", types]);
        expect({ types, status: run.status, stdout: run.stdout }).toEqual({ types, status: 2, stdout: "" });
      }
      const unsigned = minted(["--producer"], {});
      expect(unsigned.status).toBe(2);
      expect(unsigned.stderr).toMatch(/JWT_SECRET .*HERALD_DEV_AUTH=1/);
    });

    it("a monitor without HERALD_TOKEN publishes its alerts with the system-only token it signs itself", async () => {
      const admin = await connect(userToken("hm-admin-scoped", "admin"));
      const host = "gpu-node-scoped";
      const monitor = await startMonitor("hm-self-signed", host, await fakeSmi(oneGpuCsv(50)), await tempDir(), {
        HERALD_TOKEN: "",
        HERALD_DEV_AUTH: "1",
      });
      await eventually(() => fromHost(admin, host).find((n) => n.type === "system.restart"), 10_000, "restart notice");
      expect(monitor.logs).toContain("self-signed dev producer token");
      await monitor.stop();
    });

    it("with MONITOR_TENANT and a platform token its alerts reach that tenant's admins, and no one else's", async () => {
      const acmeAdmin = await connect(userToken("hm-admin-acme", "admin", { tenant: "acme" }));
      const defaultAdmin = await connect(userToken("hm-admin-default", "admin"));
      const host = "gpu-node-acme";
      const monitor = await startMonitor("hm-tenant", host, await fakeSmi(oneGpuCsv(50)), await tempDir(), {
        HERALD_TOKEN: producerToken("hardware-monitor", ["events:publish:system.*"], "*"),
        MONITOR_TENANT: "acme",
      });
      await eventually(() => fromHost(acmeAdmin, host).find((n) => n.type === "system.restart"), 10_000, "acme's restart notice");
      // Stored in the one statement that stored acme's: had it been the default tenant's too, its row would be there.
      const rows = await stack.db.query(
        "SELECT n.user_id FROM notifications n JOIN events e ON e.id = n.event_id WHERE e.payload->>'host' = $1 ORDER BY n.user_id",
        [host],
      );
      expect(rows).toEqual([{ user_id: tenantKey("acme", "hm-admin-acme") }]);
      expect(fromHost(defaultAdmin, host)).toEqual([]);
      await monitor.stop();
    });
  });

  describe("the buffer directory", () => {
    it("a pre-created world-writable directory with a planted alert in it is refused: the monitor exits 1 and publishes nothing", async () => {
      const dir = path.join(await tempDir(), "herald-hardware-monitor");
      await fs.mkdir(path.join(dir, "outbox"), { recursive: true });
      const planted = {
        id: "planted-phish",
        type: "system.gpu_critical",
        payload: { host: "gpu-node-1", message: "GPU failing: re-enter your password at https://evil.example" },
      };
      await fs.writeFile(path.join(dir, "outbox", "0000000000000001.json"), JSON.stringify(planted));
      await fs.chmod(dir, 0o777);
      await fs.chmod(path.join(dir, "outbox"), 0o777);

      const start = startMonitor("hm-planted", "gpu-node-planted", await fakeSmi(oneGpuCsv(50)), dir, {
        MONITOR_HOSTNAME: "gpu-node-planted",
      });
      await expect(start).rejects.toThrow(/exited with 1[\s\S]*buffer directory \S+ is writable by every user \(mode 0777\): refusing it/);
      // Nothing went out: not the planted event, not even the monitor's own restart notice.
      await sleep(500);
      expect(await stack.db.query("SELECT id FROM events WHERE id = 'planted-phish' OR payload->>'host' = 'gpu-node-planted'")).toEqual([]);
      expect(JSON.parse(await fs.readFile(path.join(dir, "outbox", "0000000000000001.json"), "utf8"))).toEqual(planted);
    });

    it("without MONITOR_BUFFER_DIR it keeps its buffer in $XDG_STATE_HOME/herald-hardware-monitor, created for its user alone", async () => {
      const stateHome = await tempDir();
      const admin = await connect(userToken("hm-admin-xdg", "admin"));
      const host = "gpu-node-xdg";
      const monitor = await startMonitor("hm-xdg", host, await fakeSmi(oneGpuCsv(50)), "", { XDG_STATE_HOME: stateHome });
      await eventually(() => fromHost(admin, host).find((n) => n.type === "system.restart"), 10_000, "restart notice");
      await monitor.stop();
      const dir = path.join(stateHome, "herald-hardware-monitor");
      expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
      expect((await fs.readdir(dir)).sort()).toEqual(["outbox", "state.json"]);
      expect((await fs.stat(path.join(dir, "outbox"))).mode & 0o777).toBe(0o700);
      expect((await fs.stat(path.join(dir, "state.json"))).mode & 0o777).toBe(0o600);
    });
  });
});
