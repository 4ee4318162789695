import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { AUTH_ENV, authConfigOnFirstUse, type AuthConfig } from "@herald/auth";
import { isTenantId } from "@herald/contract";
import {
  BASE_ENV,
  baseConfig,
  commaList,
  ConfigError,
  nonNegativeInt,
  optionalString,
  parseEnv,
  percent,
  port,
  positiveInt,
  SERVICE_PORTS,
  type BaseConfig,
} from "@herald/runtime";

const ENV = {
  ...BASE_ENV,
  // Only to sign its own dev token when HERALD_TOKEN is unset (with HERALD_DEV_AUTH=1).
  ...AUTH_ENV,
  HARDWARE_MONITOR_PORT: port(SERVICE_PORTS.hardwareMonitor),
  /** Where, and as whom (a producer token), the hardware monitor publishes. */
  INGEST_URL: z.string().url().default("http://127.0.0.1:3000"),
  HERALD_TOKEN: optionalString,
  /** The host name alerts carry; defaults to the machine's (a DaemonSet passes the node name). */
  MONITOR_HOSTNAME: optionalString,
  /**
   * The tenant whose admins hear of this host's alerts (its token is a
   * platform producer's, tenant *, which names it per event); unset: `default`.
   */
  MONITOR_TENANT: z.string().refine(isTenantId, "must be a tenant id ([A-Za-z0-9_.-]{1,64})").optional(),
  NVIDIA_SMI_PATH: z.string().min(1).default("nvidia-smi"),
  /** A hung nvidia-smi (a GPU falling off the bus can cause one) is killed after this. */
  NVIDIA_SMI_TIMEOUT_MS: positiveInt(10_000),
  MONITOR_INTERVAL_MS: positiveInt(15_000),
  /** How long a threshold must hold, at every poll, before its alert fires. */
  MONITOR_FOR_MS: nonNegativeInt(60_000),
  /** Consecutive polls past the hysteresis margin before an alert clears. */
  MONITOR_CLEAR_POLLS: positiveInt(2),
  /** How often a persisting alert is announced again. */
  MONITOR_REPEAT_MS: positiveInt(4 * 3_600_000),
  /** Comma-separated mount points, or "auto": every real filesystem in /proc/self/mounts. */
  DISK_MOUNTS: z.string().default("/"),
  /** Where a container sees the host's root filesystem (e.g. /host): mounts are read under it. */
  MONITOR_HOST_ROOT: optionalString,
  GPU_TEMP_WARNING_C: z.coerce.number().default(85),
  GPU_TEMP_CRITICAL_C: z.coerce.number().default(90),
  GPU_TEMP_HYSTERESIS_C: z.coerce.number().min(0).default(5),
  DISK_FREE_WARNING_PERCENT: percent(10),
  DISK_FREE_CRITICAL_PERCENT: percent(5),
  DISK_FREE_HYSTERESIS_PERCENT: percent(5),
  /**
   * Alerts wait here while ingest is unreachable, and alert state outlives
   * restarts here. It must be this user's alone (created 0700; one that
   * another user owns or may write is refused: what is in it gets published).
   * Default: $XDG_STATE_HOME/herald-hardware-monitor, else
   * ~/.local/state/herald-hardware-monitor.
   */
  MONITOR_BUFFER_DIR: optionalString,
  /** The XDG base directory for state, where the default buffer directory goes (ignored unless absolute, as the spec says). */
  XDG_STATE_HOME: optionalString,
  /** Buffered events kept at most; past it the oldest are dropped (and counted in /health). */
  MONITOR_BUFFER_MAX_EVENTS: positiveInt(10_000),
  /** Longest wait between delivery attempts while ingest is unreachable. */
  MONITOR_RETRY_MAX_MS: positiveInt(30_000),
};

/** Warning and critical levels of one metric, and how far back it must come to clear. */
export interface AlertThresholds {
  readonly warning: number;
  readonly critical: number;
  readonly hysteresis: number;
}

export interface MonitorSettings {
  readonly ingestUrl: string;
  readonly token?: string;
  readonly hostname: string;
  /** MONITOR_TENANT: named in every event; undefined leaves it to ingest (`default`). */
  readonly tenant?: string;
  readonly nvidiaSmiPath: string;
  readonly nvidiaSmiTimeoutMs: number;
  readonly intervalMs: number;
  readonly forMs: number;
  readonly clearPolls: number;
  readonly repeatMs: number;
  /** Mount points to watch, or "auto" to discover the real filesystems. */
  readonly diskMounts: readonly string[] | "auto";
  readonly hostRoot?: string;
  /** Degrees Celsius, at or above which a GPU is hot. */
  readonly gpuTemperature: AlertThresholds;
  /** Percent of space available to non-root users, below which a disk is short. */
  readonly diskFreePercent: AlertThresholds;
  readonly bufferDir: string;
  readonly bufferMaxEvents: number;
  readonly retryMaxMs: number;
}

export interface HardwareMonitorConfig extends BaseConfig {
  /** Health port. */
  readonly port: number;
  /** Resolved on first use: only a monitor that mints its own dev token needs JWT settings. */
  readonly auth: AuthConfig;
  /** HERALD_DEV_AUTH: it may sign its own producer token when HERALD_TOKEN is unset. */
  readonly devAuth: boolean;
  readonly hardwareMonitor: MonitorSettings;
}

/**
 * The buffer directory: MONITOR_BUFFER_DIR, else a private place in the
 * user's home. Never the OS temp dir: whoever creates a directory there
 * first owns it, and would have their files published as alerts.
 */
export function bufferDir(
  env: { readonly MONITOR_BUFFER_DIR?: string; readonly XDG_STATE_HOME?: string },
  home: string = os.homedir(),
): string {
  if (env.MONITOR_BUFFER_DIR !== undefined) {
    if (!path.isAbsolute(env.MONITOR_BUFFER_DIR))
      throw new ConfigError(`MONITOR_BUFFER_DIR must be an absolute path, got ${env.MONITOR_BUFFER_DIR}`);
    return path.normalize(env.MONITOR_BUFFER_DIR);
  }
  const stateHome =
    env.XDG_STATE_HOME !== undefined && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, ".local", "state");
  return path.join(stateHome, "herald-hardware-monitor");
}

function monitorSettings(env: z.infer<z.ZodObject<typeof ENV>>): MonitorSettings {
  if (env.GPU_TEMP_CRITICAL_C <= env.GPU_TEMP_WARNING_C) {
    throw new ConfigError("GPU_TEMP_CRITICAL_C must be above GPU_TEMP_WARNING_C");
  }
  if (env.DISK_FREE_CRITICAL_PERCENT > env.DISK_FREE_WARNING_PERCENT) {
    throw new ConfigError("DISK_FREE_CRITICAL_PERCENT must not be above DISK_FREE_WARNING_PERCENT");
  }
  let diskMounts: readonly string[] | "auto" = "auto";
  if (env.DISK_MOUNTS.trim() !== "auto") {
    diskMounts = [...new Set(commaList(env.DISK_MOUNTS))];
    const relative = diskMounts.filter((m) => !m.startsWith("/"));
    if (relative.length > 0)
      throw new ConfigError(`DISK_MOUNTS: mount points must be absolute paths or "auto", got ${relative.join(", ")}`);
  }
  return {
    ingestUrl: env.INGEST_URL,
    token: env.HERALD_TOKEN,
    hostname: env.MONITOR_HOSTNAME ?? os.hostname(),
    tenant: env.MONITOR_TENANT,
    nvidiaSmiPath: env.NVIDIA_SMI_PATH,
    nvidiaSmiTimeoutMs: env.NVIDIA_SMI_TIMEOUT_MS,
    intervalMs: env.MONITOR_INTERVAL_MS,
    forMs: env.MONITOR_FOR_MS,
    clearPolls: env.MONITOR_CLEAR_POLLS,
    repeatMs: env.MONITOR_REPEAT_MS,
    diskMounts,
    hostRoot: env.MONITOR_HOST_ROOT,
    gpuTemperature: { warning: env.GPU_TEMP_WARNING_C, critical: env.GPU_TEMP_CRITICAL_C, hysteresis: env.GPU_TEMP_HYSTERESIS_C },
    diskFreePercent: {
      warning: env.DISK_FREE_WARNING_PERCENT,
      critical: env.DISK_FREE_CRITICAL_PERCENT,
      hysteresis: env.DISK_FREE_HYSTERESIS_PERCENT,
    },
    bufferDir: bufferDir(env),
    bufferMaxEvents: env.MONITOR_BUFFER_MAX_EVENTS,
    retryMaxMs: env.MONITOR_RETRY_MAX_MS,
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): HardwareMonitorConfig {
  const env = parseEnv(ENV, source);
  const base = baseConfig(env);
  const auth = authConfigOnFirstUse(env, base.production);
  return {
    ...base,
    get auth(): AuthConfig {
      return auth();
    },
    devAuth: env.HERALD_DEV_AUTH,
    port: env.HARDWARE_MONITOR_PORT,
    hardwareMonitor: monitorSettings(env),
  };
}
