import type { AlertThresholds } from "../config";
import { maxLevel, UNKNOWN, type Level, type Observation } from "./alert-machine";

/** Clock event reason bits (NVML's nvmlClocksEventReason*). */
export const SW_THERMAL_SLOWDOWN = 0x20;
export const HW_THERMAL_SLOWDOWN = 0x40;

/** A value that is bad when high (temperature): fires at or above, clears `hysteresis` below. */
export function highValueObservation(value: number | null, t: AlertThresholds): Observation {
  if (value === null) return UNKNOWN;
  const breach: Level = value >= t.critical ? "critical" : value >= t.warning ? "warning" : "ok";
  const hold: Level = value >= t.critical - t.hysteresis ? "critical" : value >= t.warning - t.hysteresis ? "warning" : "ok";
  return { known: true, breach, hold: maxLevel(breach, hold) };
}

/** A value that is bad when low (free disk space): fires strictly below, clears `hysteresis` above. */
export function lowValueObservation(value: number | null, t: AlertThresholds): Observation {
  if (value === null) return UNKNOWN;
  const breach: Level = value < t.critical ? "critical" : value < t.warning ? "warning" : "ok";
  const hold: Level = value < t.critical + t.hysteresis ? "critical" : value < t.warning + t.hysteresis ? "warning" : "ok";
  return { known: true, breach, hold: maxLevel(breach, hold) };
}

/**
 * Thermal slowdown from the clock event reasons bitmask: hardware slowdown
 * is critical, software slowdown a warning. A flag has no margin to clear
 * by; the clean-poll count is its hysteresis.
 */
export function thermalSlowdownObservation(mask: number | null): Observation {
  if (mask === null) return UNKNOWN;
  const level: Level = mask & HW_THERMAL_SLOWDOWN ? "critical" : mask & SW_THERMAL_SLOWDOWN ? "warning" : "ok";
  return { known: true, breach: level, hold: level };
}

/**
 * Several signals for one alert: the worst known one decides. Unknown ones
 * are left out rather than read as healthy, and only if all are unknown is
 * the result unknown.
 */
export function worstOf(...observations: readonly Observation[]): Observation {
  const known = observations.filter((o): o is Extract<Observation, { known: true }> => o.known);
  if (known.length === 0) return UNKNOWN;
  return {
    known: true,
    breach: known.map((o) => o.breach).reduce(maxLevel, "ok"),
    hold: known.map((o) => o.hold).reduce(maxLevel, "ok"),
  };
}

/** Present or lost: no threshold, critical while lost. */
export function presenceObservation(present: boolean): Observation {
  const level: Level = present ? "ok" : "critical";
  return { known: true, breach: level, hold: level };
}
