import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServiceApp, createHttpServer, closeServer } from "../src/http-service";
import { ServiceMetrics } from "../src/metrics";

const TOKEN = "scrape-0123456789abcdef";
const http = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };

/** A service app's /metrics, served on a free port for `run`. */
async function served(metrics: ServiceMetrics, metricsToken: string | undefined, run: (url: string) => Promise<void>): Promise<void> {
  const server = createHttpServer(createServiceApp({ service: "test-service", readiness: {}, metrics, metricsToken }), http);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await closeServer(server);
  }
}

const lines = async (metrics: ServiceMetrics, name: string) =>
  (await metrics.registry.metrics()).split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("ServiceMetrics", () => {
  it("labels every sample with the service and prefixes Node's process metrics with herald_", async () => {
    const metrics = new ServiceMetrics("router");
    metrics.counter({ name: "herald_test_things_total", help: "things", labelNames: ["kind"] }).inc({ kind: "a" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('herald_test_things_total{kind="a",service="router"} 1');
    expect(text).toMatch(/^herald_process_cpu_user_seconds_total\{service="router"\} /m);
    // Gauges named like counters are left out (promtool refuses them); the per-type gauges stay.
    expect(text).not.toContain("herald_nodejs_active_handles_total");
    expect(text).toContain("# TYPE herald_nodejs_active_handles gauge");
  });

  it("reads a scrape-time gauge at each scrape, and leaves it without values when the read fails or hangs", async () => {
    const metrics = new ServiceMetrics("t");
    let read: () => Promise<{ labels: { queue: string }; value: number }[]> = async () => [{ labels: { queue: "q" }, value: 3 }];
    metrics.gaugeOnScrape({ name: "herald_test_depth", help: "depth", labelNames: ["queue"] }, () => read());
    let depth = 5;
    let fails = false;
    metrics.gaugeOnScrape({ name: "herald_test_lag", help: "lag" }, async () => {
      if (fails) throw new Error("redis down");
      return [{ value: depth }];
    });
    expect(await lines(metrics, "herald_test_depth")).toEqual(['herald_test_depth{queue="q",service="t"} 3']);
    expect(await lines(metrics, "herald_test_lag")).toEqual(['herald_test_lag{service="t"} 5']);
    depth = 7;
    expect(await lines(metrics, "herald_test_lag")).toEqual(['herald_test_lag{service="t"} 7']);
    fails = true;
    read = () => new Promise(() => undefined);
    // prom-client writes NaN as "Nan", which Prometheus parses as NaN.
    expect(await lines(metrics, "herald_test_lag")).toEqual(['herald_test_lag{service="t"} Nan']);
    expect(await lines(metrics, "herald_test_depth")).toEqual([]);
    // Each failed read is counted, by gauge (both failed at each of the two scrapes since): the reason a figure is missing shows.
    expect(await lines(metrics, "herald_scrape_read_failures_total")).toEqual([
      'herald_scrape_read_failures_total{metric="herald_test_lag",service="t"} 2',
      'herald_scrape_read_failures_total{metric="herald_test_depth",service="t"} 2',
    ]);
  });

  it("follows a running total kept elsewhere, never going down", async () => {
    const metrics = new ServiceMetrics("t");
    let total = 0;
    metrics.counterFrom({ name: "herald_test_sent_total", help: "sent" }, () => total);
    expect(await lines(metrics, "herald_test_sent_total")).toEqual(['herald_test_sent_total{service="t"} 0']);
    total = 4;
    expect(await lines(metrics, "herald_test_sent_total")).toEqual(['herald_test_sent_total{service="t"} 4']);
    total = 2;
    expect(await lines(metrics, "herald_test_sent_total")).toEqual(['herald_test_sent_total{service="t"} 4']);
    total = 9;
    expect(await lines(metrics, "herald_test_sent_total")).toEqual(['herald_test_sent_total{service="t"} 9']);
  });

  it("serves GET /metrics to the token's bearer only (401 JSON otherwise), and not at all without a token", async () => {
    const metrics = new ServiceMetrics("test-service");
    await served(metrics, TOKEN, async (url) => {
      const refused = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(await refused.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await ok.text()).toContain('herald_process_resident_memory_bytes{service="test-service"}');
    });
    await served(metrics, undefined, async (url) => {
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    });
  });
});
