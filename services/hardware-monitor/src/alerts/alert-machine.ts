/**
 * One alert's life, as a pure function of its previous state and one poll's
 * observation. No I/O and no clock: the caller passes `now`.
 *
 * An alert has one announced level at a time. A level fires only after
 * every poll for `forMs` breached it; a firing alert clears (or steps down)
 * only after `clearPolls` consecutive polls outside its hysteresis band, so
 * a value hovering at a threshold neither flaps nor re-fires. A higher level
 * supersedes a lower one (a critical suppresses the warning), and the
 * incident ends with exactly one resolve.
 */
export type Level = "ok" | "warning" | "critical";
export type AlertLevel = Exclude<Level, "ok">;

const RANK: Readonly<Record<Level, number>> = { ok: 0, warning: 1, critical: 2 };
export const rank = (level: Level): number => RANK[level];
export const maxLevel = (a: Level, b: Level): Level => (RANK[a] >= RANK[b] ? a : b);

/**
 * One poll's verdict. `breach`: the highest level whose firing threshold
 * the value crosses; `hold`: the highest level whose hysteresis band it is
 * still in (always at least `breach`). Unknown readings (`[N/A]`, a failed
 * nvidia-smi) neither confirm nor clear anything.
 */
export type Observation = { readonly known: false } | { readonly known: true; readonly breach: Level; readonly hold: Level };

export const UNKNOWN: Observation = { known: false };

export interface AlertTiming {
  /** How long a level must be breached, at every poll, before it fires. */
  readonly forMs: number;
  /** Consecutive polls outside the hysteresis band before the level drops. */
  readonly clearPolls: number;
  /** How often a persisting alert is announced again. */
  readonly repeatMs: number;
}

export interface Incident {
  /** When the incident first fired; with the key it names the incident for good. */
  readonly startedAt: number;
  /** Notifications sent for this incident so far (firing, repeats, steps, resolve). */
  readonly seq: number;
  readonly lastNotifiedAt: number;
}

export interface AlertState {
  readonly level: Level;
  /** Since when every poll breached each level (the `for` clock). */
  readonly breachSince: { readonly warning?: number; readonly critical?: number };
  readonly cleanPolls: number;
  readonly incident?: Incident;
}

export const INITIAL_ALERT_STATE: AlertState = { level: "ok", breachSince: {}, cleanPolls: 0 };

export type Transition =
  | {
      readonly kind: "firing";
      readonly level: AlertLevel;
      /** The level announced before: `ok` for a new incident, lower for an escalation, higher for a step down. */
      readonly from: Level;
      /** A reminder that the same level persists. */
      readonly repeat: boolean;
      readonly incident: Incident;
    }
  | { readonly kind: "resolved"; readonly level: AlertLevel; readonly incident: Incident };

export interface StepResult {
  readonly state: AlertState;
  readonly transition?: Transition;
}

function dueLevel(breachSince: AlertState["breachSince"], now: number, forMs: number): Level {
  if (breachSince.critical !== undefined && now - breachSince.critical >= forMs) return "critical";
  if (breachSince.warning !== undefined && now - breachSince.warning >= forMs) return "warning";
  return "ok";
}

function notify(incident: Incident | undefined, now: number): Incident {
  return { startedAt: incident?.startedAt ?? now, seq: (incident?.seq ?? 0) + 1, lastNotifiedAt: now };
}

export function stepAlert(state: AlertState, observation: Observation, now: number, timing: AlertTiming): StepResult {
  if (!observation.known) {
    // Nothing is known to have held or cleared: restart both counts.
    return { state: { ...state, breachSince: {}, cleanPolls: 0 } };
  }
  const { breach, hold } = observation;
  const breachSince = {
    ...(rank(breach) >= rank("warning") && { warning: state.breachSince.warning ?? now }),
    ...(rank(breach) >= rank("critical") && { critical: state.breachSince.critical ?? now }),
  };
  const due = dueLevel(breachSince, now, timing.forMs);

  if (rank(due) > rank(state.level)) {
    const incident = notify(state.incident, now);
    return {
      state: { level: due, breachSince, cleanPolls: 0, incident },
      transition: { kind: "firing", level: due as AlertLevel, from: state.level, repeat: false, incident },
    };
  }
  if (state.level === "ok" || state.incident === undefined) {
    return { state: { ...state, breachSince, cleanPolls: 0 } };
  }
  const firing = state.level as AlertLevel;

  if (rank(hold) >= rank(firing)) {
    if (now - state.incident.lastNotifiedAt >= timing.repeatMs) {
      const incident = notify(state.incident, now);
      return {
        state: { level: firing, breachSince, cleanPolls: 0, incident },
        transition: { kind: "firing", level: firing, from: firing, repeat: true, incident },
      };
    }
    return { state: { ...state, breachSince, cleanPolls: 0 } };
  }

  const cleanPolls = state.cleanPolls + 1;
  if (cleanPolls < timing.clearPolls) return { state: { ...state, breachSince, cleanPolls } };

  const incident = notify(state.incident, now);
  if (hold === "ok") {
    return {
      state: { level: "ok", breachSince, cleanPolls: 0 },
      transition: { kind: "resolved", level: firing, incident },
    };
  }
  return {
    state: { level: hold, breachSince, cleanPolls: 0, incident },
    transition: { kind: "firing", level: hold, from: firing, repeat: false, incident },
  };
}
