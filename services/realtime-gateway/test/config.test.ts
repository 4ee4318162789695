import { loadConfig } from "../src/config";

describe("gateway settings", () => {
  it("defaults: 10 s to authenticate, 1000 connections doing so, 20 sockets per user, 10 msg/s (burst 20), 16 KiB messages, 1000 replayed (2 MiB), 1 MiB pages, both transports, 5 s toasts", () => {
    expect(loadConfig({}).gateway).toEqual({
      connectTimeoutMs: 10_000,
      maxPendingHandshakes: 1000,
      maxConnectionsPerUser: 20,
      inboundRatePerSecond: 10,
      inboundBurst: 20,
      maxMessageBytes: 16_384,
      catchUpLimit: 1000,
      catchUpMaxBytes: 2 * 1024 * 1024,
      pageMaxBytes: 1024 * 1024,
      transports: ["polling", "websocket"],
      toast: { defaultAutoExpireMs: 5000, categories: { job: 5000, review: 5000, system: 5000, collaboration: 5000, digest: 5000 } },
    });
  });

  it("a category's toast delay falls back to TOAST_EXPIRE_MS unless set (0 keeps the toast up)", () => {
    const { toast } = loadConfig({
      TOAST_EXPIRE_MS: "3000",
      TOAST_EXPIRE_MS_SYSTEM: "0",
      TOAST_EXPIRE_MS_REVIEW: "8000",
      TOAST_EXPIRE_MS_JOB: " ",
    }).gateway;
    expect(toast).toEqual({
      defaultAutoExpireMs: 3000,
      categories: { job: 3000, review: 8000, system: 0, collaboration: 3000, digest: 3000 },
    });
  });

  it("refuses negative or non-numeric toast delays and unknown transports, naming the setting", () => {
    expect(() => loadConfig({ TOAST_EXPIRE_MS_SYSTEM: "-1" })).toThrow(/TOAST_EXPIRE_MS_SYSTEM/);
    expect(() => loadConfig({ TOAST_EXPIRE_MS: "soon" })).toThrow(/TOAST_EXPIRE_MS/);
    expect(() => loadConfig({ GATEWAY_TRANSPORTS: "websocket,carrier-pigeon" })).toThrow(/GATEWAY_TRANSPORTS.*carrier-pigeon/);
    expect(() => loadConfig({ GATEWAY_TRANSPORTS: " , " })).toThrow(/GATEWAY_TRANSPORTS/);
    expect(() => loadConfig({ GATEWAY_MAX_CONNECTIONS_PER_USER: "0" })).toThrow(/GATEWAY_MAX_CONNECTIONS_PER_USER/);
  });

  it("serves /metrics only with a METRICS_TOKEN, and refuses a short one", () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: " " }).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: "scrape-0123456789abcdef" }).metricsToken).toBe("scrape-0123456789abcdef");
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN.*16/);
  });

  it("takes websocket alone (no sticky sessions needed)", () => {
    expect(loadConfig({ GATEWAY_TRANSPORTS: "websocket" }).gateway.transports).toEqual(["websocket"]);
  });

  it("the admin panel's way to ingest: none without INGEST_URL; INGEST_PUBLIC_URL defaults to it; a bad URL names the setting", () => {
    expect(loadConfig({}).ingest).toBeUndefined();
    expect(loadConfig({ INGEST_URL: "http://ingest:3000/" }).ingest).toEqual({
      url: "http://ingest:3000",
      publicUrl: "http://ingest:3000",
    });
    expect(loadConfig({ INGEST_URL: "http://ingest:3000", INGEST_PUBLIC_URL: "https://herald.example/" }).ingest).toEqual({
      url: "http://ingest:3000",
      publicUrl: "https://herald.example",
    });
    expect(() => loadConfig({ INGEST_URL: "ingest" })).toThrow(/INGEST_URL/);
  });
});
