import { INITIAL_ALERT_STATE, stepAlert, UNKNOWN, type AlertState, type AlertTiming, type Transition } from "../src/alerts/alert-machine";
import { highValueObservation, lowValueObservation, thermalSlowdownObservation, worstOf } from "../src/alerts/observations";

const GPU = { warning: 85, critical: 90, hysteresis: 5 };
const DISK = { warning: 10, critical: 5, hysteresis: 5 };
const INTERVAL = 10_000;

function describeTransition(i: number, t: Transition): string {
  if (t.kind === "resolved") return `${i}:resolved ${t.level}`;
  if (t.repeat) return `${i}:repeat ${t.level}`;
  return t.from === "ok" ? `${i}:firing ${t.level}` : `${i}:firing ${t.level} (from ${t.from})`;
}

/** Feeds one value per poll, INTERVAL apart, and lists what the alert announced. */
function run(values: readonly (number | null)[], timing: Partial<AlertTiming>, kind: "gpu" | "disk" = "gpu"): string[] {
  const full: AlertTiming = { forMs: 0, clearPolls: 2, repeatMs: 3_600_000, ...timing };
  let state: AlertState = INITIAL_ALERT_STATE;
  const out: string[] = [];
  values.forEach((value, i) => {
    const observation = kind === "gpu" ? highValueObservation(value, GPU) : lowValueObservation(value, DISK);
    const step = stepAlert(state, observation, 1_000_000 + i * INTERVAL, full);
    state = step.state;
    if (step.transition) out.push(describeTransition(i, step.transition));
  });
  return out;
}

describe("alert state machine (GPU temperature 85/90 °C, 5 °C hysteresis, polls 10 s apart)", () => {
  it.each<[string, (number | null)[], Partial<AlertTiming>, string[]]>([
    ["fires when the threshold has held at every poll for `for`", [80, 86, 86, 86, 86], { forMs: 20_000 }, ["3:firing warning"]],
    ["fires at the threshold itself", [85], {}, ["0:firing warning"]],
    ["never fires when it holds for less than `for`", [80, 86, 86, 80, 86, 86, 80], { forMs: 20_000 }, []],
    ["restarts the `for` clock when one poll dips below", [86, 86, 84, 86, 86, 86], { forMs: 20_000 }, ["5:firing warning"]],
    ["fires once when hovering at the threshold, never flaps", [85, 84, 85, 84, 85, 84, 85, 83], {}, ["0:firing warning"]],
    ["never fires when hovering and `for` is longer than a poll", [85, 84, 85, 84, 85, 84, 85], { forMs: 15_000 }, []],
    [
      "clears only below threshold − margin, after two clean polls in a row",
      [86, 82, 79, 81, 79, 79],
      {},
      ["0:firing warning", "5:resolved warning"],
    ],
    ["does not clear on one clean poll", [86, 79, 86, 79, 84], {}, ["0:firing warning"]],
    ["clears after one clean poll when told to", [86, 79], { clearPolls: 1 }, ["0:firing warning", "1:resolved warning"]],
    [
      "repeats while it persists",
      [86, 86, 86, 86, 86, 86, 86],
      { repeatMs: 30_000 },
      ["0:firing warning", "3:repeat warning", "6:repeat warning"],
    ],
    [
      "goes warning → critical → one resolve (the critical suppresses the warning)",
      [86, 91, 92, 87, 79, 79, 79],
      {},
      ["0:firing warning", "1:firing critical (from warning)", "5:resolved critical"],
    ],
    ["goes straight to critical when both are due at once", [91, 91, 91, 91], { forMs: 20_000 }, ["2:firing critical"]],
    [
      "escalates only after the critical has held for `for` too",
      [86, 86, 91, 91, 91],
      { forMs: 10_000 },
      ["1:firing warning", "3:firing critical (from warning)"],
    ],
    [
      "steps down from critical to warning, then resolves",
      [92, 83, 83, 83, 79, 79],
      {},
      ["0:firing critical", "2:firing warning (from critical)", "5:resolved warning"],
    ],
    ["fires again as a new incident after resolving", [86, 79, 79, 86], {}, ["0:firing warning", "2:resolved warning", "3:firing warning"]],
    ["does not fire when unknown readings interrupt the `for` window", [86, null, 86, 86, 86], { forMs: 20_000 }, ["4:firing warning"]],
    ["does not resolve on unknown readings", [86, null, null, null, 79, null, 79, 79], {}, ["0:firing warning", "7:resolved warning"]],
    [
      "does not repeat while readings are unknown",
      [86, null, null, null, 86],
      { repeatMs: 20_000 },
      ["0:firing warning", "4:repeat warning"],
    ],
    ["stays silent while healthy", [40, 50, 60, 70, 80, 84], {}, []],
  ])("%s", (_name, values, timing, expected) => {
    expect(run(values, timing)).toEqual(expected);
  });
});

describe("alert state machine (disk free 10/5 %, 5 % hysteresis)", () => {
  it.each<[string, (number | null)[], Partial<AlertTiming>, string[]]>([
    ["fires strictly below the threshold", [50, 10, 9.9], {}, ["2:firing warning"]],
    ["clears only at threshold + margin", [9, 12, 14.9, 15, 15], {}, ["0:firing warning", "4:resolved warning"]],
    [
      "escalates and resolves once",
      [9, 4.5, 4.9, 8, 20, 20],
      {},
      ["0:firing warning", "1:firing critical (from warning)", "5:resolved critical"],
    ],
    [
      "steps down from critical when space is freed part way",
      [4, 11, 11, 30, 30],
      {},
      ["0:firing critical", "2:firing warning (from critical)", "4:resolved warning"],
    ],
  ])("%s", (_name, values, timing, expected) => {
    expect(run(values, timing, "disk")).toEqual(expected);
  });
});

describe("incidents", () => {
  it("keep their start time and count every notification", () => {
    const timing = { forMs: 0, clearPolls: 1, repeatMs: 20_000 };
    let state = INITIAL_ALERT_STATE;
    const seen: [string, number, number][] = [];
    [86, 86, 86, 91, 79].forEach((v, i) => {
      const step = stepAlert(state, highValueObservation(v, GPU), i * INTERVAL, timing);
      state = step.state;
      if (step.transition) seen.push([step.transition.kind, step.transition.incident.startedAt, step.transition.incident.seq]);
    });
    expect(seen).toEqual([
      ["firing", 0, 1],
      ["firing", 0, 2],
      ["firing", 0, 3],
      ["resolved", 0, 4],
    ]);
    expect(state).toEqual({ level: "ok", breachSince: {}, cleanPolls: 0 });
  });
});

describe("observations", () => {
  it.each([
    [0x0, { known: true, breach: "ok", hold: "ok" }],
    [0x1, { known: true, breach: "ok", hold: "ok" }],
    [0x20, { known: true, breach: "warning", hold: "warning" }],
    [0x40, { known: true, breach: "critical", hold: "critical" }],
    [0x48, { known: true, breach: "critical", hold: "critical" }],
    [0x60, { known: true, breach: "critical", hold: "critical" }],
    [null, UNKNOWN],
  ])("clock reasons %p → %p", (mask, expected) => {
    expect(thermalSlowdownObservation(mask)).toEqual(expected);
  });

  it.each([
    [
      "temperature unknown, slowdown known",
      [UNKNOWN, thermalSlowdownObservation(0x20)],
      { known: true, breach: "warning", hold: "warning" },
    ],
    ["both unknown", [UNKNOWN, UNKNOWN], UNKNOWN],
    [
      "the worse one decides",
      [highValueObservation(88, GPU), thermalSlowdownObservation(0x40)],
      { known: true, breach: "critical", hold: "critical" },
    ],
    [
      "hold comes from the band",
      [highValueObservation(82, GPU), thermalSlowdownObservation(0)],
      { known: true, breach: "ok", hold: "warning" },
    ],
  ] as const)("worstOf: %s", (_name, observations, expected) => {
    expect(worstOf(...observations)).toEqual(expected);
  });
});
