import { createHash } from "node:crypto";
import type { AlertThresholds } from "../config";
import type { EventTypeName } from "@herald/contract";
import type { HeraldEventInput } from "@herald/sdk";
import type { DiskReading } from "../disk/disk-probe";
import type { GpuReading } from "../gpu/parse-nvidia-smi";
import {
  INITIAL_ALERT_STATE,
  stepAlert,
  UNKNOWN,
  type AlertLevel,
  type AlertState,
  type AlertTiming,
  type Observation,
  type Transition,
} from "./alert-machine";
import {
  HW_THERMAL_SLOWDOWN,
  highValueObservation,
  lowValueObservation,
  presenceObservation,
  SW_THERMAL_SLOWDOWN,
  thermalSlowdownObservation,
  worstOf,
} from "./observations";

export interface Rules {
  readonly gpuTemperature: AlertThresholds;
  readonly diskFreePercent: AlertThresholds;
  readonly timing: AlertTiming;
}

export interface KnownGpu {
  readonly index: number | null;
  readonly name: string | null;
}

/** Everything the monitor remembers between polls (and across restarts). */
export interface MonitorState {
  readonly alerts: Readonly<Record<string, AlertState>>;
  /** Every GPU seen on this host, by uuid: one that stops answering is lost, not forgotten. */
  readonly gpus: Readonly<Record<string, KnownGpu>>;
}

export const INITIAL_MONITOR_STATE: MonitorState = { alerts: {}, gpus: {} };

export interface Readings {
  /** `unavailable`: nvidia-smi gave no readings (no driver, timeout, …): GPU alerts hold still. */
  readonly gpu: { readonly status: "ok" | "gpu_lost" | "unavailable"; readonly gpus: readonly GpuReading[] };
  readonly disks: readonly DiskReading[];
}

export interface EvaluationContext {
  readonly host: string;
  readonly now: number;
  readonly rules: Rules;
}

type Subject =
  | { readonly kind: "gpu-thermal"; readonly uuid: string; readonly gpu: KnownGpu; readonly reading?: GpuReading }
  | { readonly kind: "gpu-presence"; readonly uuid: string; readonly gpu: KnownGpu; readonly lost: boolean }
  | { readonly kind: "disk"; readonly reading: DiskReading };

interface Check {
  readonly key: string;
  readonly subject: Subject;
  readonly observation: Observation;
}

/**
 * One poll: readings in, the next state and the events to publish out, in a
 * stable order (GPUs by index, then disks). Pure: same inputs, same output.
 */
export function evaluate(
  state: MonitorState,
  readings: Readings,
  ctx: EvaluationContext,
): { state: MonitorState; events: HeraldEventInput[] } {
  const { checks, gpus } = checksFor(state, readings, ctx.rules);
  const alerts: Record<string, AlertState> = { ...state.alerts };
  const events: HeraldEventInput[] = [];
  for (const check of checks) {
    const step = stepAlert(alerts[check.key] ?? INITIAL_ALERT_STATE, check.observation, ctx.now, ctx.rules.timing);
    if (step.state.level === "ok" && step.state.incident === undefined && step.state.breachSince.warning === undefined) {
      // Healthy and idle: nothing worth remembering.
      delete alerts[check.key];
    } else {
      alerts[check.key] = step.state;
    }
    if (step.transition) events.push(alertEvent(check, step.transition, ctx));
  }
  return { state: { alerts, gpus }, events };
}

function checksFor(state: MonitorState, readings: Readings, rules: Rules): { checks: Check[]; gpus: Record<string, KnownGpu> } {
  const gpus: Record<string, KnownGpu> = { ...state.gpus };
  const checks: Check[] = [];
  if (readings.gpu.status !== "unavailable") {
    const seen = new Map<string, { reading: GpuReading }>();
    for (const reading of readings.gpu.gpus) {
      // A lost GPU may not even print its uuid: find it by its index among the GPUs we know.
      const uuid = reading.uuid ?? Object.entries(gpus).find(([, g]) => reading.index !== null && g.index === reading.index)?.[0];
      if (uuid === undefined) continue;
      seen.set(uuid, { reading });
      gpus[uuid] = { index: reading.index ?? gpus[uuid]?.index ?? null, name: reading.name ?? gpus[uuid]?.name ?? null };
    }
    for (const uuid of Object.keys(gpus).sort((a, b) => (gpus[a]!.index ?? 1e9) - (gpus[b]!.index ?? 1e9) || a.localeCompare(b))) {
      const gpu = gpus[uuid]!;
      const reading = seen.get(uuid)?.reading;
      const present = reading !== undefined && !reading.lost;
      checks.push({
        key: `gpu/${uuid}/thermal`,
        subject: { kind: "gpu-thermal", uuid, gpu, reading },
        observation: present
          ? worstOf(highValueObservation(reading.temperatureC, rules.gpuTemperature), thermalSlowdownObservation(reading.clockEventReasons))
          : UNKNOWN,
      });
      checks.push({
        key: `gpu/${uuid}/presence`,
        subject: { kind: "gpu-presence", uuid, gpu, lost: reading?.lost ?? false },
        observation: presenceObservation(present),
      });
    }
  } else {
    // Without readings nothing is confirmed or cleared; the alerts keep their state.
    for (const [uuid, gpu] of Object.entries(gpus)) {
      checks.push({ key: `gpu/${uuid}/thermal`, subject: { kind: "gpu-thermal", uuid, gpu }, observation: UNKNOWN });
      checks.push({ key: `gpu/${uuid}/presence`, subject: { kind: "gpu-presence", uuid, gpu, lost: false }, observation: UNKNOWN });
    }
  }
  for (const reading of readings.disks) {
    checks.push({
      key: `disk/${reading.mountPoint}/free`,
      subject: { kind: "disk", reading },
      observation: lowValueObservation(reading.freePercent, rules.diskFreePercent),
    });
  }
  return { checks, gpus };
}

/** Stable per incident transition: a re-sent event is deduplicated by ingest, a new one never collides. */
export function alertEventId(host: string, key: string, startedAt: number, seq: number): string {
  const digest = createHash("sha256").update(`${host}\0${key}`).digest("hex").slice(0, 20);
  return `hwmon-${digest}-${startedAt.toString(36)}-${seq}`;
}

function eventType(subject: Subject, level: AlertLevel): EventTypeName {
  if (subject.kind === "disk") return "system.disk_warning";
  return level === "critical" ? "system.gpu_critical" : "system.gpu_warning";
}

const hex = (mask: number) => `0x${mask.toString(16)}`;
const round1 = (value: number) => Math.round(value * 10) / 10;

/** What the payload names as the cause: metric, value and the threshold it is measured against. */
function evidence(subject: Subject, level: AlertLevel, firing: boolean, rules: Rules): Record<string, unknown> {
  switch (subject.kind) {
    case "disk": {
      const { reading } = subject;
      return {
        mountPoint: reading.mountPoint,
        metric: "free_percent",
        value: reading.freePercent === null ? null : round1(reading.freePercent),
        threshold: rules.diskFreePercent[level],
        unit: "%",
        availableBytes: reading.availableBytes,
        totalBytes: reading.totalBytes,
      };
    }
    case "gpu-thermal": {
      const t = rules.gpuTemperature;
      const temperature = subject.reading?.temperatureC ?? null;
      const mask = subject.reading?.clockEventReasons ?? null;
      const bit = level === "critical" ? HW_THERMAL_SLOWDOWN : SW_THERMAL_SLOWDOWN;
      const temperatureCrosses = temperature !== null && temperature >= t[level];
      if (firing && !temperatureCrosses && mask !== null && mask & bit) {
        return {
          metric: level === "critical" ? "hw_thermal_slowdown" : "sw_thermal_slowdown",
          value: hex(mask),
          threshold: hex(bit),
          temperatureC: temperature,
        };
      }
      return {
        metric: "temperature.gpu",
        value: temperature,
        threshold: t[level],
        unit: "C",
        clockEventReasons: mask === null ? null : hex(mask),
      };
    }
    case "gpu-presence": {
      const where = `GPU ${subject.gpu.index ?? "?"} (${[subject.gpu.name, subject.uuid].filter(Boolean).join(", ")})`;
      return firing
        ? {
            metric: "gpu_presence",
            value: subject.lost ? "lost" : "missing",
            threshold: "present",
            message: subject.lost ? `${where} fell off the bus (nvidia-smi: GPU is lost)` : `${where} is no longer reported by nvidia-smi`,
          }
        : { metric: "gpu_presence", value: "present", threshold: "present", message: `${where} is back` };
    }
  }
}

function alertEvent(check: Check, transition: Transition, ctx: EvaluationContext): HeraldEventInput {
  const { subject } = check;
  const { incident } = transition;
  const firing = transition.kind === "firing";
  const gpuFields =
    subject.kind === "disk"
      ? {}
      : { uuid: subject.uuid, gpuIndex: subject.gpu.index, ...(subject.gpu.name !== null && { gpuName: subject.gpu.name }) };
  return {
    id: alertEventId(ctx.host, check.key, incident.startedAt, incident.seq),
    type: eventType(subject, transition.level),
    occurredAt: new Date(ctx.now).toISOString(),
    source: { type: "host", id: ctx.host.slice(0, 128) },
    payload: {
      host: ctx.host,
      ...gpuFields,
      ...evidence(subject, transition.level, firing, ctx.rules),
      severity: transition.level,
      state: firing ? "firing" : "resolved",
      alertId: alertEventId(ctx.host, check.key, incident.startedAt, 0),
      firingSince: new Date(incident.startedAt).toISOString(),
      ...(transition.kind === "firing" && transition.repeat && { repeat: true }),
      ...(transition.kind === "firing" && transition.from !== "ok" && !transition.repeat && { previousSeverity: transition.from }),
    },
  };
}

/** Announces that the agent (re)started on this host: alerts between its last run and now may be missing. */
export function restartEvent(host: string, startedAt: number): HeraldEventInput {
  return {
    id: alertEventId(host, "restart", startedAt, 0),
    type: "system.restart",
    occurredAt: new Date(startedAt).toISOString(),
    source: { type: "host", id: host.slice(0, 128) },
    payload: { host, service: "hardware-monitor", state: "started", message: `hardware-monitor started on ${host}` },
  };
}
