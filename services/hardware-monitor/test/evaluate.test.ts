import { validateEvent } from "@herald/contract/schemas";
import type { HeraldEventInput } from "@herald/sdk";
import {
  alertEventId,
  evaluate,
  INITIAL_MONITOR_STATE,
  restartEvent,
  type MonitorState,
  type Readings,
  type Rules,
} from "../src/alerts/evaluate";
import type { DiskReading } from "../src/disk/disk-probe";
import type { GpuReading } from "../src/gpu/parse-nvidia-smi";

const rules: Rules = {
  gpuTemperature: { warning: 85, critical: 90, hysteresis: 5 },
  diskFreePercent: { warning: 10, critical: 5, hysteresis: 5 },
  timing: { forMs: 0, clearPolls: 2, repeatMs: 3_600_000 },
};

const gpu = (index: number, temperatureC: number | null, extra: Partial<GpuReading> = {}): GpuReading => ({
  index,
  uuid: `GPU-${index}`,
  name: "NVIDIA H100 80GB HBM3",
  lost: false,
  temperatureC,
  memoryTemperatureC: null,
  utilizationPercent: 50,
  memoryUsedMiB: 1,
  memoryTotalMiB: 81559,
  powerDrawW: 300,
  clockEventReasons: 0,
  unknown: {},
  ...extra,
});

const disk = (mountPoint: string, freePercent: number | null): DiskReading => ({
  mountPoint,
  freePercent,
  availableBytes: freePercent === null ? null : freePercent * 1e9,
  totalBytes: freePercent === null ? null : 100e9,
});

const okGpus = (...gpus: GpuReading[]): Readings["gpu"] => ({ status: "ok", gpus });

/** Runs polls 10 s apart and returns every event with its poll number. */
function polls(readings: readonly Readings[], start: MonitorState = INITIAL_MONITOR_STATE, host = "node-1") {
  let state = start;
  const events: { poll: number; event: HeraldEventInput }[] = [];
  readings.forEach((r, i) => {
    const result = evaluate(state, r, { host, now: 1_700_000_000_000 + i * 10_000, rules });
    state = result.state;
    events.push(...result.events.map((event) => ({ poll: i, event })));
  });
  return { state, events };
}

const summary = (events: { poll: number; event: HeraldEventInput }[]) =>
  events.map(
    ({ poll, event }) =>
      `${poll}:${event.type}:${String(event.payload!.state)}:${String(event.payload!.gpuIndex ?? event.payload!.mountPoint)}`,
  );

describe("evaluate", () => {
  it("raises a gpu_critical when a known GPU disappears, and resolves it when it is back", () => {
    const both = { gpu: okGpus(gpu(0, 50), gpu(1, 50)), disks: [] };
    const onlyFirst = { gpu: okGpus(gpu(0, 50)), disks: [] };
    const { events } = polls([both, onlyFirst, onlyFirst, both, both, both]);
    expect(summary(events)).toEqual(["1:system.gpu_critical:firing:1", "4:system.gpu_critical:resolved:1"]);
    expect(events[0]!.event.payload).toMatchObject({
      uuid: "GPU-1",
      metric: "gpu_presence",
      value: "missing",
      severity: "critical",
      message: expect.stringContaining("no longer reported"),
    });
  });

  it("finds a lost GPU that no longer prints its uuid by its index", () => {
    const lostRow = gpu(1, null, { uuid: null, name: null, lost: true });
    const { events } = polls([
      { gpu: okGpus(gpu(0, 50), gpu(1, 50)), disks: [] },
      { gpu: okGpus(gpu(0, 50), lostRow), disks: [] },
    ]);
    expect(summary(events)).toEqual(["1:system.gpu_critical:firing:1"]);
    expect(events[0]!.event.payload).toMatchObject({ uuid: "GPU-1", value: "lost", message: expect.stringContaining("fell off the bus") });
  });

  it("raises nothing, and clears nothing, while nvidia-smi gives no readings", () => {
    const hot = { gpu: okGpus(gpu(0, 95)), disks: [] };
    const down: Readings = { gpu: { status: "unavailable", gpus: [] }, disks: [] };
    const { events, state } = polls([hot, down, down, down, down, hot]);
    expect(summary(events)).toEqual(["0:system.gpu_critical:firing:0"]);
    expect(state.alerts["gpu/GPU-0/thermal"]!.level).toBe("critical");
  });

  it("does not call a GPU lost when nvidia-smi has never seen it", () => {
    const { events } = polls([
      { gpu: { status: "unavailable", gpus: [] }, disks: [] },
      { gpu: okGpus(), disks: [] },
    ]);
    expect(events).toEqual([]);
  });

  it("names SW thermal slowdown as the cause when the temperature is below the threshold", () => {
    const { events } = polls([{ gpu: okGpus(gpu(0, 70, { clockEventReasons: 0x20 })), disks: [] }]);
    expect(events[0]!.event).toMatchObject({
      type: "system.gpu_warning",
      payload: { metric: "sw_thermal_slowdown", value: "0x20", threshold: "0x20", temperatureC: 70 },
    });
  });

  it("orders events GPUs by index, then disks, and reports disks as system.disk_warning with their severity", () => {
    const { events } = polls([{ gpu: okGpus(gpu(1, 86), gpu(0, 92)), disks: [disk("/", 3), disk("/data", 8)] }]);
    expect(summary(events)).toEqual([
      "0:system.gpu_critical:firing:0",
      "0:system.gpu_warning:firing:1",
      "0:system.disk_warning:firing:/",
      "0:system.disk_warning:firing:/data",
    ]);
    expect(events.map((e) => e.event.payload!.severity)).toEqual(["critical", "warning", "critical", "warning"]);
    expect(events[2]!.event.payload).toMatchObject({
      host: "node-1",
      mountPoint: "/",
      metric: "free_percent",
      value: 3,
      threshold: 5,
      unit: "%",
    });
  });

  it("builds events ingest accepts, with the fields the router renders", () => {
    const { events } = polls([{ gpu: okGpus(gpu(0, 92)), disks: [disk("/", 3)] }]);
    for (const { event } of [...events, { event: restartEvent("node-1", 1_700_000_000_000) }]) {
      const result = validateEvent(event, { now: new Date() });
      expect(result.ok).toBe(true);
    }
    expect(events[0]!.event.payload).toEqual({
      host: "node-1",
      uuid: "GPU-0",
      gpuIndex: 0,
      gpuName: "NVIDIA H100 80GB HBM3",
      metric: "temperature.gpu",
      value: 92,
      threshold: 90,
      unit: "C",
      clockEventReasons: "0x0",
      severity: "critical",
      state: "firing",
      alertId: expect.stringMatching(/^hwmon-[0-9a-f]{20}-[0-9a-z]+-0$/),
      firingSince: "2023-11-14T22:13:20.000Z",
    });
  });

  it("gives every transition a stable id: the same transition twice has one id, different ones never share", () => {
    const hot = { gpu: okGpus(gpu(0, 92)), disks: [] };
    const first = evaluate(INITIAL_MONITOR_STATE, hot, { host: "a", now: 1_000, rules });
    const again = evaluate(INITIAL_MONITOR_STATE, hot, { host: "a", now: 1_000, rules });
    const otherHost = evaluate(INITIAL_MONITOR_STATE, hot, { host: "b", now: 1_000, rules });
    expect(first.events[0]!.id).toBe(again.events[0]!.id);
    expect(first.events[0]!.id).not.toBe(otherHost.events[0]!.id);

    const { events } = polls([hot, { gpu: okGpus(gpu(0, 50)), disks: [] }, { gpu: okGpus(gpu(0, 50)), disks: [] }, hot]);
    const ids = events.map((e) => e.event.id);
    expect(new Set(ids).size).toBe(3);
    expect(alertEventId("a", "k", 1, 2)).toMatch(/^[A-Za-z0-9._:@/-]{1,128}$/);
  });

  it("forgets healthy disks but remembers firing ones", () => {
    const { state } = polls([{ gpu: okGpus(), disks: [disk("/", 50), disk("/data", 4)] }]);
    expect(Object.keys(state.alerts)).toEqual(["disk//data/free"]);
  });
});
