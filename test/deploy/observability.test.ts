import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { ServiceMetrics } from "@herald/runtime";
import { promtool } from "../support/metrics";
import { ROOT } from "./support";

/**
 * Offline checks of what k8s/ gives Prometheus and Grafana: the scrape job
 * finds the pods by the annotations the manifests set and sends the token,
 * and the dashboard queries only metrics the code defines, in PromQL that
 * promtool parses.
 */

// Untyped YAML and JSON: read as `any` and checked by the assertions.
const scrapeConfig: any = parse(readFileSync(path.join(ROOT, "k8s", "prometheus", "herald-scrape-config.yaml"), "utf8"));
const dashboard: any = JSON.parse(readFileSync(path.join(ROOT, "k8s", "grafana", "herald-dashboard.json"), "utf8"));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (["node_modules", "dist", "generated"].includes(entry)) return [];
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

/** Every metric name the services define (string literals `herald_…` in their sources), and Node's process metrics. */
function definedMetrics(): Set<string> {
  const names = new Set<string>(new ServiceMetrics("check").registry.getMetricsAsArray().map((m) => m.name));
  for (const top of ["packages", "services"]) {
    for (const name of readdirSync(path.join(ROOT, top))) {
      const src = path.join(ROOT, top, name, "src");
      if (!statSync(path.join(ROOT, top, name)).isDirectory()) continue;
      for (const file of statSync(src, { throwIfNoEntry: false }) ? sources(src) : []) {
        for (const match of readFileSync(file, "utf8").matchAll(/"(herald_[a-z0-9_]+)"/g)) names.add(match[1]!);
      }
    }
  }
  return names;
}

const targets: { panel: string; expr: string }[] = dashboard.panels
  .filter((p: any) => p.type !== "row")
  .flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr })));

describe("Prometheus scrape job (k8s/prometheus)", () => {
  const [job] = scrapeConfig.scrape_configs;

  it("finds the herald namespace's pods and keeps those annotated prometheus.io/scrape", () => {
    expect(scrapeConfig.scrape_configs).toHaveLength(1);
    expect(job.kubernetes_sd_configs).toEqual([{ role: "pod", namespaces: { names: ["herald"] } }]);
    expect(job.relabel_configs[0]).toEqual({
      source_labels: ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"],
      action: "keep",
      regex: "true",
    });
    // prometheus.io/port and /path, as the manifests spell them (k8s/*.yaml: "asks Prometheus to scrape").
    const sourceLabels = job.relabel_configs.flatMap((r: any) => r.source_labels);
    expect(sourceLabels).toEqual(
      expect.arrayContaining([
        "__meta_kubernetes_pod_annotation_prometheus_io_port",
        "__meta_kubernetes_pod_annotation_prometheus_io_path",
      ]),
    );
  });

  it("sends the METRICS_TOKEN as a bearer token from a file, never written in the config", () => {
    expect(job.authorization).toEqual({ type: "Bearer", credentials_file: expect.stringMatching(/^\/.+METRICS_TOKEN$/) });
    expect(job.authorization.credentials).toBeUndefined();
    expect(job.bearer_token).toBeUndefined();
  });

  it("passes promtool check config, with the kubernetes discovery it cannot check here left out", () => {
    // Debian's promtool is built without Kubernetes service discovery: the rest of the job is checked.
    const dir = mkdtempSync(path.join(os.tmpdir(), "herald-scrape-"));
    try {
      writeFileSync(path.join(dir, "METRICS_TOKEN"), "token");
      const { kubernetes_sd_configs: _discovery, ...rest } = job;
      const config = {
        scrape_configs: [{ ...rest, authorization: { ...rest.authorization, credentials_file: path.join(dir, "METRICS_TOKEN") } }],
      };
      writeFileSync(path.join(dir, "prometheus.yml"), stringify(config));
      expect(promtool(["check", "config", path.join(dir, "prometheus.yml")])).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Grafana dashboard (k8s/grafana/herald-dashboard.json)", () => {
  it("has panels for every service", () => {
    expect(dashboard.uid).toBe("herald-overview");
    const queried = new Set(targets.flatMap(({ expr }) => [...expr.matchAll(/\bherald_([a-z]+)_/g)].map((m) => m[1])));
    expect([...queried].sort()).toEqual(["delivery", "gateway", "ingest", "monitor", "nodejs", "process", "router", "scheduler", "scrape"]);
  });

  it("queries only metrics the services define (histograms by their _bucket series)", () => {
    const defined = definedMetrics();
    const unknown = targets.flatMap(({ panel, expr }) =>
      [...expr.matchAll(/\bherald_[a-z0-9_]+/g)]
        .map((m) => m[0])
        .filter((name) => !defined.has(name) && !defined.has(name.replace(/_(bucket|sum|count)$/, "")))
        .map((name) => `${panel}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it("writes every query in PromQL that promtool parses", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "herald-dashboard-"));
    try {
      const rules = targets.map(({ expr }, i) => ({
        record: `herald:dashboard:query_${i}`,
        expr: expr.replaceAll("$__rate_interval", "5m"),
      }));
      writeFileSync(path.join(dir, "rules.yml"), stringify({ groups: [{ name: "dashboard", rules }] }));
      expect(promtool(["check", "rules", path.join(dir, "rules.yml")])).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
