import { promises as fs } from "node:fs";
import path from "node:path";
import { evaluate, INITIAL_MONITOR_STATE, type Rules } from "../src/alerts/evaluate";
import { NvidiaSmi, type GpuPoll } from "../src/gpu/nvidia-smi";
import { parseCell, parseNvidiaSmiCsv, type GpuReading } from "../src/gpu/parse-nvidia-smi";
import { FakeNvidiaSmi, type FakeScenario } from "../../../test/support/fake-nvidia-smi";

const okGpus = (poll: GpuPoll): readonly GpuReading[] => {
  if (poll.state !== "ok") throw new Error(`expected ok, got ${poll.state}: ${"detail" in poll ? poll.detail : ""}`);
  return poll.gpus;
};

describe("nvidia-smi through a fake executable", () => {
  let fake: FakeNvidiaSmi;
  beforeEach(async () => {
    fake = await FakeNvidiaSmi.create();
  });
  afterEach(() => fake.remove());

  const poll = async (scenario: FakeScenario, timeoutMs = 5_000) => {
    await fake.set(scenario);
    return new NvidiaSmi({ command: fake.path, timeoutMs }).poll();
  };

  it("reads one H100, asking for the documented fields in CSV without units", async () => {
    const result = await poll({ fixture: "h100.csv" });
    expect(okGpus(result)).toEqual([
      {
        index: 0,
        uuid: "GPU-3f1c0b9e-5d2a-4c1e-9f83-2a7b1c6d4e01",
        name: "NVIDIA H100 80GB HBM3",
        lost: false,
        temperatureC: 34,
        memoryTemperatureC: 41,
        utilizationPercent: 0,
        memoryUsedMiB: 1,
        memoryTotalMiB: 81559,
        powerDrawW: 69.83,
        clockEventReasons: 1,
        unknown: {},
      },
    ]);
    expect(await fake.calls()).toEqual([
      [
        "--query-gpu=index,uuid,name,temperature.gpu,temperature.memory,utilization.gpu,memory.used,memory.total,power.draw,clocks_event_reasons.active",
        "--format=csv,nounits",
      ],
    ]);
  });

  it("finds it on PATH when NVIDIA_SMI_PATH is the bare name", async () => {
    const smi = new NvidiaSmi({ command: "nvidia-smi", timeoutMs: 5_000, env: { PATH: `${fake.dir}:${process.env.PATH}` } });
    expect(okGpus(await smi.poll())).toHaveLength(1);
  });

  it("reads eight GPUs, and the hot one (88 °C, HW thermal slowdown 0x48) raises one gpu_critical", async () => {
    const gpus = okGpus(await poll({ fixture: "eight-gpus-one-hot.csv" }));
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus[5]).toMatchObject({ temperatureC: 88, clockEventReasons: 0x48, uuid: "GPU-5abe7b9f-6c8d-4e0f-9a1b-4c5d6e7f8a95" });
    const rules: Rules = {
      gpuTemperature: { warning: 85, critical: 90, hysteresis: 5 },
      diskFreePercent: { warning: 10, critical: 5, hysteresis: 5 },
      timing: { forMs: 0, clearPolls: 2, repeatMs: 3_600_000 },
    };
    const { events } = evaluate(INITIAL_MONITOR_STATE, { gpu: { status: "ok", gpus }, disks: [] }, { host: "node-7", now: 1_000, rules });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "system.gpu_critical",
      payload: {
        host: "node-7",
        gpuIndex: 5,
        uuid: "GPU-5abe7b9f-6c8d-4e0f-9a1b-4c5d6e7f8a95",
        metric: "hw_thermal_slowdown",
        value: "0x48",
        threshold: "0x40",
        temperatureC: 88,
        severity: "critical",
        state: "firing",
      },
    });
  });

  it("reads a MIG GPU, whose utilization is [N/A], as unknown utilization but real temperature and memory", async () => {
    const [gpu] = okGpus(await poll({ fixture: "mig.csv" }));
    expect(gpu).toMatchObject({
      utilizationPercent: null,
      temperatureC: 38,
      memoryUsedMiB: 12,
      memoryTotalMiB: 40960,
      unknown: { "utilization.gpu": "[N/A]" },
    });
  });

  it("reads a consumer card's bare N/A as unknown, never 0", async () => {
    const [gpu] = okGpus(await poll({ fixture: "consumer-na.csv" }));
    expect(gpu).toMatchObject({
      name: "NVIDIA GeForce RTX 3090",
      temperatureC: 62,
      memoryTemperatureC: null,
      unknown: { "temperature.memory": "N/A" },
    });
  });

  it.each(["[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "[Insufficient Permissions]"])(
    "reads %s as an unknown temperature",
    async (token) => {
      const stdout = `index, uuid, name, temperature.gpu, clocks_event_reasons.active\n0, GPU-x, Tesla T4, ${token}, ${token}\n`;
      const [gpu] = okGpus(await poll({ stdout }));
      expect(gpu).toMatchObject({
        temperatureC: null,
        clockEventReasons: null,
        lost: false,
        unknown: { "temperature.gpu": token, "clocks_event_reasons.active": token },
      });
    },
  );

  it("reads [GPU is lost] as a lost GPU", async () => {
    const gpus = okGpus(await poll({ fixture: "one-lost.csv" }));
    expect(gpus[0]).toMatchObject({ index: 0, lost: false, temperatureC: 61 });
    expect(gpus[1]).toMatchObject({ index: 1, uuid: null, lost: true, temperatureC: null });
  });

  it("falls back to clocks_throttle_reasons on an older driver, probing only once", async () => {
    await fake.set({ fixture: "older-driver.csv", rejectFields: ["clocks_event_reasons.active"] });
    const smi = new NvidiaSmi({ command: fake.path, timeoutMs: 5_000 });
    const [first] = okGpus(await smi.poll());
    expect(first).toMatchObject({ name: "Tesla V100-SXM2-16GB", clockEventReasons: 0 });
    okGpus(await smi.poll());
    expect(smi.reasonField).toBe("clocks_throttle_reasons.active");
    const queried = (await fake.calls()).map((args) => args[0]!.split(",").at(-1));
    expect(queried).toEqual(["clocks_event_reasons.active", "clocks_throttle_reasons.active", "clocks_throttle_reasons.active"]);
  });

  it("queries without clock reasons when the driver knows neither name", async () => {
    await fake.set({
      stdout: "index, uuid, name, temperature.gpu\n0, GPU-old, Tesla K80, 51\n",
      rejectFields: ["clocks_event_reasons.active", "clocks_throttle_reasons.active"],
    });
    const smi = new NvidiaSmi({ command: fake.path, timeoutMs: 5_000 });
    expect(okGpus(await smi.poll())[0]).toMatchObject({ temperatureC: 51, clockEventReasons: null });
    expect(smi.reasonField).toBeNull();
  });

  it("does not settle on a field while the driver is not answering", async () => {
    await fake.set({ fixture: "driver-not-loaded.txt", exitCode: 9 });
    const smi = new NvidiaSmi({ command: fake.path, timeoutMs: 5_000 });
    expect((await smi.poll()).state).toBe("driver_not_loaded");
    expect(smi.reasonField).toBeUndefined();
    await fake.set({ fixture: "h100.csv" });
    okGpus(await smi.poll());
    expect(smi.reasonField).toBe("clocks_event_reasons.active");
  });

  it.each([
    [
      "driver not loaded",
      { fixture: "driver-not-loaded.txt", exitCode: 9 },
      "driver_not_loaded",
      /couldn't communicate with the NVIDIA driver/,
    ],
    ["driver/library mismatch", { fixture: "driver-mismatch.txt", exitCode: 18 }, "driver_mismatch", /Driver\/library version mismatch/],
    ["no supported GPUs", { fixture: "no-gpus.txt", exitCode: 255 }, "no_gpus", /No devices were found/],
    [
      "NVML missing",
      { stdout: "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system.\n", exitCode: 12 },
      "library_not_found",
      /libnvidia-ml/,
    ],
    ["an unknown failure", { stdout: "Unknown Error\n", exitCode: 3 }, "failed", /Unknown Error/],
    ["garbage on success", { stdout: "hello\n", exitCode: 0 }, "failed", /not a query-gpu CSV header/],
  ] as const)("reports %s as a state, not readings", async (_label, scenario, state, detail) => {
    const result = await poll(scenario);
    expect(result.state).toBe(state);
    expect("detail" in result && result.detail).toMatch(detail);
  });

  it("reports exit 15 (fallen off the bus) as gpu_lost, with the rows it could still print", async () => {
    const stdout = `${await fs.readFile(path.join(__dirname, "fixtures/nvidia-smi/fallen-off-bus.txt"), "utf8")}${await fs.readFile(path.join(__dirname, "fixtures/nvidia-smi/h100.csv"), "utf8")}`;
    const result = await poll({ stdout, exitCode: 15 });
    expect(result.state).toBe("gpu_lost");
    expect(result.state === "gpu_lost" && result.gpus.map((g) => g.index)).toEqual([0]);
    expect(result.state === "gpu_lost" && result.problems.join()).toMatch(/GPU is lost/);
  });

  it("reports a missing nvidia-smi as not_installed", async () => {
    const result = await new NvidiaSmi({ command: path.join(fake.dir, "absent"), timeoutMs: 5_000 }).poll();
    expect(result.state).toBe("not_installed");
  });

  it("reports a non-executable nvidia-smi as not_executable", async () => {
    await fs.chmod(fake.path, 0o644);
    expect((await new NvidiaSmi({ command: fake.path, timeoutMs: 5_000 }).poll()).state).toBe("not_executable");
  });

  it("kills a hung nvidia-smi at the timeout", async () => {
    const started = Date.now();
    const result = await poll({ hang: true }, 300);
    expect(result.state).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("parseNvidiaSmiCsv", () => {
  it("finds columns by header name whatever their order and units", () => {
    const parsed = parseNvidiaSmiCsv("uuid, memory.used [MiB], index, temperature.gpu\nGPU-a, 512, 3, 70\n");
    expect(parsed.ok && parsed.gpus[0]).toMatchObject({ uuid: "GPU-a", memoryUsedMiB: 512, index: 3, temperatureC: 70, powerDrawW: null });
  });

  it("skips a row with the wrong number of cells and says so", () => {
    const parsed = parseNvidiaSmiCsv("index, uuid, temperature.gpu\n0, GPU-a, 40\n1, GPU-b\n");
    expect(parsed.ok && parsed.gpus.map((g) => g.uuid)).toEqual(["GPU-a"]);
    expect(parsed.ok && parsed.problems[0]).toMatch(/row 2: 2 cells for 3 columns/);
  });

  it("treats a non-numeric value as unknown, not as a number", () => {
    const parsed = parseNvidiaSmiCsv("index, uuid, temperature.gpu\n0, GPU-a, hot\n");
    expect(parsed.ok && parsed.gpus[0]!.temperatureC).toBeNull();
  });

  it.each([
    ["42", { kind: "value", text: "42" }],
    [" [N/A] ", { kind: "unknown", token: "[N/A]" }],
    ["N/A", { kind: "unknown", token: "N/A" }],
    ["[Not Supported]", { kind: "unknown", token: "[Not Supported]" }],
    ["[Unknown Error]", { kind: "unknown", token: "[Unknown Error]" }],
    ["[Insufficient Permissions]", { kind: "unknown", token: "[Insufficient Permissions]" }],
    ["[GPU is lost]", { kind: "lost" }],
  ])("cell %p", (raw, cell) => {
    expect(parseCell(raw)).toEqual(cell);
  });
});
