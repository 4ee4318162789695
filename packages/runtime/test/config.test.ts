import { DEV_JWT_SECRET, loadConfig } from "../src";

describe("loadConfig", () => {
  it("applies the contract's defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: "redis://127.0.0.1:6379",
      databaseUrl: "postgresql://postgres@127.0.0.1:5432/notifications",
      ports: { ingest: 3000, gateway: 3001, router: 3002, deliveryWorker: 3003, digestScheduler: 3004, hardwareMonitor: 3005 },
      auth: { algorithm: "HS256", usingDevSecret: true, verificationKey: DEV_JWT_SECRET },
    });
  });

  it("refuses the dev JWT secret, or none, in production, to every service that uses tokens", () => {
    expect(() => loadConfig({ NODE_ENV: "production" }).auth).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: DEV_JWT_SECRET }).auth).toThrow(/dev default is refused/);
    expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "short" }).auth).toThrow(/at least 32/);
    // A service that never touches tokens (router, scheduler, worker) starts without one.
    expect(loadConfig({ NODE_ENV: "production" }).redisUrl).toBe("redis://127.0.0.1:6379");
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40) }).auth.usingDevSecret).toBe(false);
  });

  it("verifies with RS256 when a public key is given", () => {
    const config = loadConfig({ NODE_ENV: "production", JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----" });
    expect(config.auth).toEqual({ algorithm: "RS256", verificationKey: "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----", usingDevSecret: false });
  });

  it("names every invalid setting", () => {
    const attempt = () => loadConfig({ INGEST_PORT: "70000", REDIS_URL: "nope", LOG_LEVEL: "loud" });
    expect(attempt).toThrow(/^invalid configuration: /);
    expect(attempt).toThrow(/INGEST_PORT: Too big/);
    expect(attempt).toThrow(/REDIS_URL: Invalid URL/);
    expect(attempt).toThrow(/LOG_LEVEL: Invalid option/);
  });

  it("splits CORS origins", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins).toEqual(["https://a.example", "https://b.example"]);
  });
});
