import type { HeraldEventInput } from "@herald/sdk";
import type { Counter, Gauge, Histogram, ServiceMetrics } from "@herald/runtime";
import type { DiskReading } from "./disk/disk-probe";
import type { OutboxStatus } from "./delivery/outbox-sender";
import type { GpuPoll } from "./gpu/nvidia-smi";

/** What the monitor's figures are read from at scrape time. */
export interface MonitorMetricsSource {
  /** The outbox sender's running totals (also in /health). */
  status(): OutboxStatus;
}

/**
 * The hardware monitor's Prometheus metrics: its polls and readings, the
 * alerts its rules raise, and the outbox that carries them to ingest.
 */
export class MonitorMetrics {
  private readonly polls: Counter<"result">;
  private readonly pollSeconds: Histogram;
  private readonly samples: Counter<"kind">;
  private readonly alerts: Counter<"type">;
  private readonly gpuTemperature: Gauge<"gpu">;
  private readonly diskFree: Gauge<"mount">;

  constructor(metrics: ServiceMetrics, source: MonitorMetricsSource) {
    this.polls = metrics.counter({
      name: "herald_monitor_polls_total",
      help: "Polls of the GPUs and disks, by result (ok, failed)",
      labelNames: ["result"],
    });
    this.pollSeconds = metrics.histogram({
      name: "herald_monitor_poll_duration_seconds",
      help: "Time of one poll (nvidia-smi and the disks read together, rules run, outbox written)",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.samples = metrics.counter({
      name: "herald_monitor_samples_total",
      help: "Readings taken, by kind: one per GPU nvidia-smi reported, one per disk mount read",
      labelNames: ["kind"],
    });
    this.alerts = metrics.counter({
      name: "herald_monitor_alerts_total",
      help: "Events the monitor put in its outbox (alert transitions, its start announcement), by event type",
      labelNames: ["type"],
    });
    this.gpuTemperature = metrics.gauge({
      name: "herald_monitor_gpu_temperature_celsius",
      help: "Each GPU's temperature at the last poll, by GPU index",
      labelNames: ["gpu"],
    });
    this.diskFree = metrics.gauge({
      name: "herald_monitor_disk_free_ratio",
      help: "Share (0 to 1) of each watched mount's space still free to non-root users at the last poll",
      labelNames: ["mount"],
    });
    metrics.gaugeOnScrape(
      { name: "herald_monitor_outbox_events", help: "Events in the on-disk outbox, not yet accepted by ingest" },
      () => [{ value: source.status().pending }],
    );
    metrics.counterFrom(
      { name: "herald_monitor_events_delivered_total", help: "Events ingest accepted from the outbox" },
      () => source.status().delivered,
    );
    metrics.counterFrom(
      { name: "herald_monitor_events_rejected_total", help: "Events ingest refused as invalid: dropped from the outbox (and logged)" },
      () => source.status().rejected,
    );
    metrics.counterFrom(
      {
        name: "herald_monitor_events_dropped_total",
        help: "Oldest events dropped because the outbox was full (MONITOR_BUFFER_MAX_EVENTS)",
      },
      () => source.status().dropped,
    );
    for (const result of ["ok", "failed"] as const) this.polls.inc({ result }, 0);
  }

  /** A poll that read the GPUs and disks (whatever nvidia-smi answered). */
  polled(gpu: GpuPoll, disks: readonly DiskReading[]): void {
    const gpus = "gpus" in gpu ? gpu.gpus : [];
    this.samples.inc({ kind: "gpu" }, gpus.length);
    this.samples.inc({ kind: "disk" }, disks.length);
    this.gpuTemperature.reset();
    for (const reading of gpus) {
      if (reading.index !== null && reading.temperatureC !== null)
        this.gpuTemperature.set({ gpu: String(reading.index) }, reading.temperatureC);
    }
    this.diskFree.reset();
    for (const disk of disks) if (disk.freePercent !== null) this.diskFree.set({ mount: disk.mountPoint }, disk.freePercent / 100);
  }

  raised(events: readonly HeraldEventInput[]): void {
    for (const event of events) this.alerts.inc({ type: event.type });
  }

  pollEnded(ok: boolean, seconds: number): void {
    this.polls.inc({ result: ok ? "ok" : "failed" });
    this.pollSeconds.observe(seconds);
  }
}
