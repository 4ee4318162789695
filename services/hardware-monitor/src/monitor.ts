import { performance } from "node:perf_hooks";
import type { Logger } from "@herald/runtime";
import type { HeraldEventInput } from "@herald/sdk";
import { evaluate, restartEvent, type MonitorState, type Readings, type Rules } from "./alerts/evaluate";
import type { DiskReading } from "./disk/disk-probe";
import type { OutboxSender } from "./delivery/outbox-sender";
import type { DiskOutbox } from "./delivery/outbox";
import type { GpuPoll, SmiState } from "./gpu/nvidia-smi";
import type { MonitorMetrics } from "./monitor-metrics";
import type { ReasonField } from "./gpu/parse-nvidia-smi";
import type { StateFile } from "./state-file";

export interface GpuSource {
  poll(): Promise<GpuPoll>;
  readonly reasonField: ReasonField | null | undefined;
}

export interface DiskSource {
  read(): Promise<DiskReading[]>;
}

export interface HardwareMonitorOptions {
  readonly host: string;
  /** The tenant named in every event (a platform producer's events say whose they are). */
  readonly tenant?: string;
  readonly rules: Rules;
  readonly intervalMs: number;
  readonly gpu: GpuSource;
  readonly disks: DiskSource;
  readonly outbox: DiskOutbox;
  readonly sender: OutboxSender;
  readonly stateFile: StateFile;
  readonly initialState: MonitorState;
  readonly metrics: MonitorMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * The poll loop: read GPUs and disks, run the rules, put the resulting
 * events in the outbox before anything else happens to them, remember the
 * state. Polls never overlap, and a failing poll is logged, not fatal.
 */
export class HardwareMonitor {
  private state: MonitorState;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = false;
  private polls = 0;
  private lastGpu?: GpuPoll;
  private lastDisks: readonly DiskReading[] = [];
  private lastPoll?: { readonly at: string; readonly durationMs: number };
  private smiSince?: { readonly state: SmiState; readonly at: string };
  private readonly now: () => number;

  constructor(private readonly options: HardwareMonitorOptions) {
    this.state = options.initialState;
    this.now = options.now ?? Date.now;
  }

  private forTenant(events: readonly HeraldEventInput[]): HeraldEventInput[] {
    const { tenant } = this.options;
    return tenant === undefined ? [...events] : events.map((e) => ({ ...e, tenantId: tenant }));
  }

  get hasPolled(): boolean {
    return this.polls > 0;
  }

  async announceStart(): Promise<void> {
    const announcement = this.forTenant([restartEvent(this.options.host, this.now())]);
    await this.options.outbox.append(announcement);
    this.options.metrics.raised(announcement);
    this.options.sender.kick();
  }

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      const started = performance.now();
      this.polling = this.pollOnce().finally(() => {
        this.polling = undefined;
        if (this.stopped) return;
        // Keeps the cadence: a slow poll shortens the wait, never stacks polls.
        this.timer = setTimeout(loop, Math.max(0, this.options.intervalMs - (performance.now() - started)));
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  async pollOnce(): Promise<void> {
    const started = performance.now();
    const { logger, metrics } = this.options;
    let ok = false;
    try {
      const [gpu, disks] = await Promise.all([this.options.gpu.poll(), this.options.disks.read()]);
      this.noteGpuState(gpu);
      this.lastGpu = gpu;
      this.lastDisks = disks;
      metrics.polled(gpu, disks);
      const readings: Readings = {
        gpu: gpu.state === "ok" || gpu.state === "gpu_lost" ? { status: gpu.state, gpus: gpu.gpus } : { status: "unavailable", gpus: [] },
        disks,
      };
      const { state, events } = evaluate(this.state, readings, { host: this.options.host, now: this.now(), rules: this.options.rules });
      if (events.length > 0) {
        await this.options.outbox.append(this.forTenant(events));
        metrics.raised(events);
        this.options.sender.kick();
        for (const event of events) logger.info({ id: event.id, type: event.type, payload: event.payload }, "alert transition");
      }
      if (JSON.stringify(state) !== JSON.stringify(this.state)) await this.options.stateFile.save(state);
      this.state = state;
      ok = true;
    } catch (error) {
      logger.error({ err: error }, "poll failed");
    } finally {
      this.polls += 1;
      const durationMs = performance.now() - started;
      this.lastPoll = { at: new Date(this.now()).toISOString(), durationMs: Math.round(durationMs * 10) / 10 };
      metrics.pollEnded(ok, durationMs / 1000);
    }
  }

  /** Host states (no driver, no nvidia-smi, …) are logged when they change, not at every poll. */
  private noteGpuState(gpu: GpuPoll): void {
    if (this.smiSince?.state === gpu.state) return;
    const at = new Date(this.now()).toISOString();
    const detail = "detail" in gpu ? gpu.detail : gpu.problems.join("; ") || undefined;
    if (gpu.state === "ok")
      this.options.logger.info(
        { nvidiaSmi: gpu.state, gpus: gpu.gpus.length, reasonField: this.options.gpu.reasonField },
        "nvidia-smi answering",
      );
    else this.options.logger.warn({ nvidiaSmi: gpu.state, detail }, "nvidia-smi unavailable: GPU alerts hold their state until it answers");
    this.smiSince = { state: gpu.state, at };
  }

  health(): Record<string, unknown> {
    const gpu = this.lastGpu;
    return {
      host: this.options.host,
      lastPoll: this.lastPoll ?? null,
      nvidiaSmi: gpu
        ? {
            state: gpu.state,
            since: this.smiSince?.at,
            reasonField: this.options.gpu.reasonField ?? null,
            ...("detail" in gpu ? { detail: gpu.detail, ...(gpu.exitCode !== undefined && { exitCode: gpu.exitCode }) } : {}),
            ...("problems" in gpu && gpu.problems.length > 0 && { problems: gpu.problems }),
          }
        : null,
      gpus: gpu && "gpus" in gpu ? gpu.gpus : [],
      disks: this.lastDisks,
      alerts: Object.entries(this.state.alerts)
        .filter(([, a]) => a.level !== "ok")
        .map(([key, a]) => ({ key, level: a.level, firingSince: a.incident ? new Date(a.incident.startedAt).toISOString() : null })),
      delivery: this.options.sender.status(),
    };
  }
}
