import os from "node:os";
import { loadConfig } from "../src/config";
import { producerToken } from "../src/producer-token";
import { verifyToken } from "@herald/auth";

describe("hardware monitor configuration", () => {
  it("applies the contract's defaults", () => {
    expect(loadConfig({}).hardwareMonitor).toMatchObject({
      ingestUrl: "http://127.0.0.1:3000",
      hostname: os.hostname(),
      nvidiaSmiPath: "nvidia-smi",
      intervalMs: 15_000,
      forMs: 60_000,
      clearPolls: 2,
      diskMounts: ["/"],
      gpuTemperature: { warning: 85, critical: 90, hysteresis: 5 },
      diskFreePercent: { warning: 10, critical: 5, hysteresis: 5 },
    });
    expect(loadConfig({}).port).toBe(3005);
  });

  it("reads every setting from the environment", () => {
    const config = loadConfig({
      INGEST_URL: "http://ingest:3000",
      HERALD_TOKEN: "tok",
      MONITOR_HOSTNAME: "gpu-7",
      DISK_MOUNTS: "/, /data ,/data",
      MONITOR_FOR_MS: "0",
      GPU_TEMP_WARNING_C: "80",
      GPU_TEMP_CRITICAL_C: "95",
      DISK_FREE_WARNING_PERCENT: "20",
      MONITOR_BUFFER_DIR: "/var/lib/herald",
    }).hardwareMonitor;
    expect(config).toMatchObject({
      ingestUrl: "http://ingest:3000",
      token: "tok",
      hostname: "gpu-7",
      diskMounts: ["/", "/data"],
      forMs: 0,
      gpuTemperature: { warning: 80, critical: 95 },
      diskFreePercent: { warning: 20, critical: 5 },
      bufferDir: "/var/lib/herald",
    });
    expect(loadConfig({ DISK_MOUNTS: "auto" }).hardwareMonitor.diskMounts).toBe("auto");
  });

  it.each([
    [{ GPU_TEMP_WARNING_C: "90", GPU_TEMP_CRITICAL_C: "85" }, /GPU_TEMP_CRITICAL_C must be above/],
    [{ DISK_FREE_WARNING_PERCENT: "5", DISK_FREE_CRITICAL_PERCENT: "10" }, /DISK_FREE_CRITICAL_PERCENT/],
    [{ DISK_MOUNTS: "data" }, /absolute paths/],
    [{ DISK_FREE_WARNING_PERCENT: "120" }, /DISK_FREE_WARNING_PERCENT: Too big/],
    [{ INGEST_URL: "not a url" }, /INGEST_URL/],
  ])("refuses %p", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe("producer token", () => {
  it("uses HERALD_TOKEN when set", () => {
    expect(producerToken(loadConfig({ HERALD_TOKEN: "given" }), "hm").token).toBe("given");
  });

  it("mints a dev producer token with HERALD_DEV_AUTH=1", () => {
    const config = loadConfig({ HERALD_DEV_AUTH: "1" });
    const { token, minted } = producerToken(config, "hardware-monitor@h");
    expect(minted).toBe(true);
    const value = typeof token === "function" ? token() : token;
    expect(verifyToken(value, config.auth)).toMatchObject({
      kind: "service",
      subject: "hardware-monitor@h",
      scopes: ["events:publish:system.*"],
    });
  });

  it.each([
    ["nothing set", {}],
    ["a JWT secret but no HERALD_DEV_AUTH", { JWT_SECRET: "s".repeat(40) }],
    ["HERALD_DEV_AUTH=0", { HERALD_DEV_AUTH: "0", JWT_SECRET: "s".repeat(40) }],
  ])("refuses to sign its own token with %s", (_case, env: Record<string, string>) => {
    expect(() => producerToken(loadConfig(env), "hm")).toThrow(/HERALD_TOKEN must be set.*HERALD_DEV_AUTH=1/);
  });

  it("refuses to start in production without HERALD_TOKEN", () => {
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40) });
    expect(() => producerToken(config, "hm")).toThrow(/HERALD_TOKEN must be set/);
  });
});
