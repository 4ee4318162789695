import type { EventTypeName, HeraldEvent } from "@herald/contract";
import { renderNotification } from "../src/render-notification";

const event = (type: EventTypeName, payload: Record<string, unknown>): HeraldEvent & { type: EventTypeName } =>
  ({ id: "e1", type, occurredAt: "2026-01-01T00:00:00.000Z", receivedAt: "2026-01-01T00:00:00.000Z", payload }) as HeraldEvent & {
    type: EventTypeName;
  };

describe("renderNotification: system alerts keep their reading", () => {
  it.each([
    [
      "a GPU alert without metric: the temperature it implies, in °C",
      event("system.gpu_critical", { host: "gpu-07", gpuIndex: 3, value: 94, threshold: 90 }),
      "gpu-07 GPU 3 temperature 94 °C (threshold 90 °C)",
    ],
    [
      "a GPU warning without metric, with its unit",
      event("system.gpu_warning", { host: "gpu-07", gpuIndex: 3, value: 86.5, unit: "C", threshold: 85 }),
      "gpu-07 GPU 3 temperature 86.5 °C (threshold 85 °C)",
    ],
    [
      "the producer's metric wins over the implied one",
      event("system.gpu_critical", { host: "gpu-1", gpuIndex: 0, metric: "temperature", value: 93, threshold: 90 }),
      "gpu-1 GPU 0 temperature 93 (threshold 90)",
    ],
    [
      "the hardware monitor's own payload, unit included",
      event("system.gpu_critical", { host: "gpu-1", gpuIndex: 0, metric: "temperature.gpu", value: 93, unit: "C", threshold: 90 }),
      "gpu-1 GPU 0 temperature.gpu 93 °C (threshold 90 °C)",
    ],
    [
      "a disk warning without metric: free space, in percent",
      event("system.disk_warning", { host: "gpu-3", mountPoint: "/data", value: 4, unit: "%", threshold: 5 }),
      "gpu-3 /data free space 4% (threshold 5%)",
    ],
    [
      "a disk warning with its metric, as the e2e delivery test sends it",
      event("system.disk_warning", { host: "gpu-3", mountPoint: "/data", metric: "free_percent", value: 4, threshold: 5 }),
      "gpu-3 /data free_percent 4 (threshold 5)",
    ],
    [
      "another unit follows the value after a space",
      event("system.disk_warning", { host: "h", mountPoint: "/", metric: "available", value: 12, unit: "GB" }),
      "h / available 12 GB",
    ],
    [
      "a thermal slowdown names its metric: no unit is implied for its bit mask",
      event("system.gpu_critical", { host: "gpu-1", gpuIndex: 0, metric: "hw_thermal_slowdown", value: "0x48", threshold: "0x40" }),
      "gpu-1 GPU 0 hw_thermal_slowdown 0x48 (threshold 0x40)",
    ],
    [
      "a threshold without a reading keeps its bare value",
      event("system.gpu_warning", { host: "h", gpuIndex: 1, threshold: 85 }),
      "h GPU 1 (threshold 85)",
    ],
    ["a restart has no implied metric: the value alone", event("system.restart", { host: "h", value: "kernel 6.1" }), "h kernel 6.1"],
    ["resolved, without a reading", event("system.gpu_warning", { host: "h", gpuIndex: 1, state: "resolved" }), "h GPU 1 resolved"],
    ["nothing at all: the catalog's description", event("system.gpu_warning", {}), "GPU temperature above threshold"],
    [
      "the producer's message wins over everything",
      event("system.gpu_critical", { host: "h", value: 99, message: "GPU 0 melted" }),
      "GPU 0 melted",
    ],
  ])("%s", (_label, input, body) => {
    expect(renderNotification(input).body).toBe(body);
  });

  it("titles it from the catalog", () => {
    expect(renderNotification(event("system.gpu_critical", { value: 94 })).title).toBe("GPU critical");
  });
});
