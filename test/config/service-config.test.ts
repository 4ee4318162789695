import { DEV_JWT_SECRET, loadAuthConfig } from "@herald/auth";
import { loadInstallationConfig } from "@herald/runtime";
import { loadConfig as loadDeliveryWorkerConfig } from "../../services/delivery-worker/src/config";
import { loadConfig as loadSchedulerConfig } from "../../services/digest-scheduler/src/config";
import { loadConfig as loadMonitorConfig } from "../../services/hardware-monitor/src/config";
import { loadConfig as loadIngestConfig } from "../../services/ingest/src/config";
import { loadConfig as loadGatewayConfig } from "../../services/realtime-gateway/src/config";
import { loadConfig as loadRouterConfig } from "../../services/router/src/config";

/** Each service's own config loader: a service validates only the settings it uses. */
const LOADERS = {
  ingest: loadIngestConfig,
  gateway: loadGatewayConfig,
  router: loadRouterConfig,
  deliveryWorker: loadDeliveryWorkerConfig,
  digestScheduler: loadSchedulerConfig,
  hardwareMonitor: loadMonitorConfig,
};
const ports = (env: Record<string, string>) => Object.fromEntries(Object.entries(LOADERS).map(([name, load]) => [name, load(env).port]));

describe("loadConfig", () => {
  it("applies the contract's defaults", () => {
    expect(loadInstallationConfig({})).toMatchObject({
      redisUrl: "redis://127.0.0.1:6379",
      databaseUrl: "postgresql://postgres@127.0.0.1:5432/notifications",
    });
    expect(ports({})).toMatchObject({
      ingest: 3000,
      gateway: 3001,
      router: 3002,
      deliveryWorker: 3003,
      digestScheduler: 3004,
      hardwareMonitor: 3005,
    });
    // The dev secret is opt-in (HERALD_DEV_AUTH), no longer the default outside production.
    expect(loadIngestConfig({ HERALD_DEV_AUTH: "1" }).auth).toMatchObject({
      algorithm: "HS256",
      usingDevSecret: true,
      verificationKey: DEV_JWT_SECRET,
    });
  });

  it.each([
    ["nothing set", {}],
    ["NODE_ENV=development", { NODE_ENV: "development" }],
    ["NODE_ENV=test", { NODE_ENV: "test" }],
    ["NODE_ENV=Production (not exactly production)", { NODE_ENV: "Production" }],
    ["NODE_ENV=prod", { NODE_ENV: "prod" }],
    ["JWT_SECRET set to the public dev secret", { JWT_SECRET: DEV_JWT_SECRET }],
    ["HERALD_DEV_AUTH=0", { HERALD_DEV_AUTH: "0" }],
    ["HERALD_DEV_AUTH=1 in production", { HERALD_DEV_AUTH: "1", NODE_ENV: "production" }],
  ])("refuses to use the dev JWT secret with %s, to every service that uses tokens", (_case, env: Record<string, string>) => {
    for (const load of [loadIngestConfig, loadGatewayConfig, loadMonitorConfig]) expect(() => load(env).auth).toThrow(/JWT_SECRET/);
    expect(() => loadAuthConfig(env)).toThrow(/JWT_SECRET/);
  });

  it("uses the dev JWT secret only when HERALD_DEV_AUTH opts in, and a JWT_SECRET that is set wins over it", () => {
    for (const load of [loadIngestConfig, loadGatewayConfig, loadMonitorConfig]) {
      expect(load({ HERALD_DEV_AUTH: "1" }).auth).toMatchObject({ usingDevSecret: true, verificationKey: DEV_JWT_SECRET });
      expect(load({ HERALD_DEV_AUTH: "true", JWT_SECRET: "a-secret-of-my-own" }).auth).toMatchObject({
        usingDevSecret: false,
        verificationKey: "a-secret-of-my-own",
      });
      expect(load({ JWT_SECRET: "a-secret-of-my-own" }).auth.usingDevSecret).toBe(false);
    }
    expect(() => loadIngestConfig({ HERALD_DEV_AUTH: "maybe" })).toThrow(/HERALD_DEV_AUTH/);
  });

  it("gives every service's HTTP server request timeouts (10 s for headers, 30 s in all), and refuses headers outliving the request", () => {
    const timeouts = (env: Record<string, string>) =>
      Object.fromEntries(Object.entries(LOADERS).map(([name, load]) => [name, load(env).http]));
    const expected = (headersTimeoutMs: number, requestTimeoutMs: number) =>
      Object.fromEntries(Object.keys(LOADERS).map((name) => [name, { headersTimeoutMs, requestTimeoutMs }]));
    expect(timeouts({})).toEqual(expected(10_000, 30_000));
    expect(timeouts({ HTTP_HEADERS_TIMEOUT_MS: "2000", HTTP_REQUEST_TIMEOUT_MS: "5000" })).toEqual(expected(2000, 5000));
    for (const load of Object.values(LOADERS)) {
      expect(() => load({ HTTP_HEADERS_TIMEOUT_MS: "6000", HTTP_REQUEST_TIMEOUT_MS: "5000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
      expect(() => load({ HTTP_REQUEST_TIMEOUT_MS: "0" })).toThrow(/HTTP_REQUEST_TIMEOUT_MS/);
    }
  });

  it("refuses the dev JWT secret, or none, in production, to every service that uses tokens", () => {
    for (const load of [loadIngestConfig, loadGatewayConfig, loadMonitorConfig]) {
      expect(() => load({ NODE_ENV: "production" }).auth).toThrow(/JWT_SECRET/);
      expect(() => load({ NODE_ENV: "production", JWT_SECRET: DEV_JWT_SECRET }).auth).toThrow(/dev default is refused/);
      expect(() => load({ NODE_ENV: "production", JWT_SECRET: "short" }).auth).toThrow(/at least 32/);
    }
    // A service that never touches tokens (router, scheduler, worker) starts without one.
    expect(loadRouterConfig({ NODE_ENV: "production" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadSchedulerConfig({ NODE_ENV: "production" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadDeliveryWorkerConfig({ NODE_ENV: "production" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadIngestConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40) }).auth.usingDevSecret).toBe(false);
  });

  it("verifies with RS256 when a public key is given", () => {
    const auth = loadAuthConfig({ NODE_ENV: "production", JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----" });
    expect(auth).toEqual({
      algorithm: "RS256",
      verificationKey: "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----",
      usingDevSecret: false,
    });
  });

  it("names every invalid setting", () => {
    const attempt = () => loadIngestConfig({ INGEST_PORT: "70000", REDIS_URL: "nope", LOG_LEVEL: "loud" });
    expect(attempt).toThrow(/^invalid configuration: /);
    expect(attempt).toThrow(/INGEST_PORT: Too big/);
    expect(attempt).toThrow(/REDIS_URL: Invalid URL/);
    expect(attempt).toThrow(/LOG_LEVEL: Invalid option/);
  });

  it("splits CORS origins", () => {
    expect(loadGatewayConfig({ CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins).toEqual([
      "https://a.example",
      "https://b.example",
    ]);
  });

  it("does not stop a service over another service's setting: a bad GPU threshold stops the hardware monitor alone", () => {
    const env = { GPU_TEMP_CRITICAL_C: "1", SMTP_PORT: "99999", GATEWAY_TRANSPORTS: "carrier-pigeon" };
    expect(() => loadMonitorConfig(env)).toThrow(/GPU_TEMP_CRITICAL_C/);
    expect(() => loadDeliveryWorkerConfig(env)).toThrow(/SMTP_PORT/);
    expect(() => loadGatewayConfig(env)).toThrow(/GATEWAY_TRANSPORTS/);
    for (const load of [loadIngestConfig, loadRouterConfig, loadSchedulerConfig]) expect(load(env).port).toBeGreaterThan(0);
    expect(loadDeliveryWorkerConfig({ GPU_TEMP_CRITICAL_C: "1" }).port).toBe(3003);
  });
});
