import path from "node:path";
import {
  closeServer,
  createLogger,
  createHttpServer,
  createServiceApp,
  exitOnStartupFailure,
  listen,
  notFoundHandler,
  errorHandler,
  onShutdown,
  ServiceMetrics,
} from "@herald/runtime";
import { HeraldPublisher } from "@herald/sdk";
import { DiskProbe } from "./disk/disk-probe";
import { OutboxSender } from "./delivery/outbox-sender";
import { DiskOutbox } from "./delivery/outbox";
import { NvidiaSmi } from "./gpu/nvidia-smi";
import { HardwareMonitor } from "./monitor";
import { MonitorMetrics } from "./monitor-metrics";
import { ensurePrivateDirectory } from "./private-directory";
import { producerToken } from "./producer-token";
import { StateFile } from "./state-file";
import { loadConfig } from "./config";

async function main(): Promise<void> {
  const config = loadConfig();
  const settings = config.hardwareMonitor;
  const logger = createLogger("hardware-monitor", config.logLevel);
  const { token, minted } = producerToken(config, `hardware-monitor@${settings.hostname}`);
  if (minted) logger.warn("HERALD_TOKEN is not set: publishing with a self-signed dev producer token");

  const client = new HeraldPublisher({ baseUrl: settings.ingestUrl, token, timeoutMs: 10_000, maxAttempts: 3 });
  await ensurePrivateDirectory(settings.bufferDir);
  const outbox = await DiskOutbox.open(path.join(settings.bufferDir, "outbox"), settings.bufferMaxEvents);
  const sender = new OutboxSender(outbox, client, { retryMaxMs: settings.retryMaxMs, logger });
  const stateFile = new StateFile(path.join(settings.bufferDir, "state.json"));
  const saved = await stateFile.load();
  if (saved.problem) logger.warn({ problem: saved.problem }, "alert state not restored");

  const metrics = new ServiceMetrics("hardware-monitor");
  const monitor = new HardwareMonitor({
    host: settings.hostname,
    tenant: settings.tenant,
    rules: {
      gpuTemperature: settings.gpuTemperature,
      diskFreePercent: settings.diskFreePercent,
      timing: { forMs: settings.forMs, clearPolls: settings.clearPolls, repeatMs: settings.repeatMs },
    },
    intervalMs: settings.intervalMs,
    gpu: new NvidiaSmi({ command: settings.nvidiaSmiPath, timeoutMs: settings.nvidiaSmiTimeoutMs }),
    disks: new DiskProbe({ mounts: settings.diskMounts, hostRoot: settings.hostRoot, timeoutMs: Math.min(settings.intervalMs, 5_000) }),
    outbox,
    sender,
    stateFile,
    initialState: saved.state,
    metrics: new MonitorMetrics(metrics, sender),
    logger,
  });
  await monitor.announceStart();

  const app = createServiceApp({
    service: "hardware-monitor",
    readiness: { firstPoll: async () => monitor.hasPolled },
    healthDetails: () => monitor.health(),
    metrics,
    metricsToken: config.metricsToken,
  });
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  const server = createHttpServer(app, config.http);
  const port = await listen(server, config.port);
  monitor.start();
  logger.info({ port, host: settings.hostname, ingest: settings.ingestUrl, pending: outbox.size }, "hardware-monitor polling");

  onShutdown(logger, [() => monitor.stop(), () => sender.stop(), () => closeServer(server)]);
}

main().catch(exitOnStartupFailure(createLogger("hardware-monitor")));
