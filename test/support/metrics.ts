import { spawnSync } from "node:child_process";

/** The scraper's token in tests (METRICS_TOKEN needs at least 16 characters). */
export const TEST_METRICS_TOKEN = "scrape-0123456789abcdef";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** One scrape of a service's GET /metrics. */
export class Scrape {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = parseSamples(text);
  }

  /** The samples named `name` whose labels include `labels` (other labels are ignored). */
  matching(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The sum of those samples, undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.matching(name, labels);
    return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
  }
}

export async function scrape(baseUrl: string, token = TEST_METRICS_TOKEN): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}: ${await res.text()}`);
  return new Scrape(await res.text());
}

/**
 * Runs promtool (from Debian's `prometheus` package, which .ci/run installs):
 * its exit status and what it said. Missing, it fails the test, saying so.
 */
export function promtool(args: readonly string[], input = ""): { readonly status: number | null; readonly output: string } {
  const run = spawnSync("promtool", args, { input, encoding: "utf8" });
  if (run.error) {
    throw new Error(`promtool is not installed (apt-get install prometheus, as .ci/run does): ${run.error.message}`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** `promtool check metrics` on a scrape. */
export const promtoolCheck = (text: string) => promtool(["check", "metrics"], text);
