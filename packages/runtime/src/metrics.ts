import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type LabelValues,
} from "prom-client";
import { ApiError } from "@herald/contract";

export type { Counter, Gauge, Histogram } from "prom-client";

/** Every Herald metric's name starts with it, Node's process metrics included. */
const METRICS_PREFIX = "herald_";

/**
 * prom-client's totals of active handles, requests and resources are gauges
 * named `_total`, which Prometheus reserves for counters (`promtool check
 * metrics` refuses them); the same figures stay, by type, in the gauges
 * without the suffix (sum them for the total).
 */
const MISNAMED_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** A read for a gauge at scrape time that has not answered by then is given up, so a hung dependency cannot hang the scrape. */
const SCRAPE_READ_TIMEOUT_MS = 1_000;

/** What a metric is, without where it is registered (always the service's registry). */
type Definition<Config> = Omit<Config, "registers" | "collect" | "aggregator" | "enableExemplars">;

/** One value of a gauge read at scrape time. */
export interface GaugeSample<Label extends string> {
  readonly labels?: LabelValues<Label>;
  readonly value: number;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`. Compared as
 * digests in constant time, so the answer's timing tells nothing of how much
 * of the token was right.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

function withTimeout<T>(read: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([read, timedOut]).finally(() => clearTimeout(timer));
}

/**
 * A service's Prometheus metrics: one registry per process, made in its
 * main.ts (not prom-client's global one, so tests that build several
 * services' parts in one process never collide), with Node's process
 * metrics, every sample labelled with the service's name.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  /** Why a scrape-time gauge has no value: its read failed or hung. */
  private readonly readFailures: Counter<"metric">;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(`${METRICS_PREFIX}${name}`);
    this.readFailures = this.counter({
      name: `${METRICS_PREFIX}scrape_read_failures_total`,
      help: "Gauges read at scrape time whose read failed or took over a second (Redis down, say), by metric: they had no value",
      labelNames: ["metric"],
    });
  }

  counter<Label extends string = never>(definition: Definition<CounterConfiguration<Label>>): Counter<Label> {
    return new Counter<Label>({ ...definition, registers: [this.registry] });
  }

  histogram<Label extends string = never>(definition: Definition<HistogramConfiguration<Label>>): Histogram<Label> {
    return new Histogram<Label>({ ...definition, registers: [this.registry] });
  }

  gauge<Label extends string = never>(definition: Definition<GaugeConfiguration<Label>>): Gauge<Label> {
    return new Gauge<Label>({ ...definition, registers: [this.registry] });
  }

  /**
   * A gauge whose values are read when Prometheus scrapes (queue depths,
   * stream lag): nothing on the hot path. A read that fails or takes longer
   * than a second leaves the gauge without values for that scrape (NaN when
   * it has no labels) instead of failing the whole scrape or showing stale figures.
   */
  gaugeOnScrape<Label extends string = never>(
    definition: Definition<GaugeConfiguration<Label>>,
    read: () => Promise<readonly GaugeSample<Label>[]> | readonly GaugeSample<Label>[],
  ): Gauge<Label> {
    const unlabelled = (definition.labelNames ?? []).length === 0;
    const failures = this.readFailures;
    return new Gauge<Label>({
      ...definition,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const sample of await withTimeout(Promise.resolve(read()), SCRAPE_READ_TIMEOUT_MS)) {
            if (sample.labels) this.set(sample.labels, sample.value);
            else this.set(sample.value);
          }
        } catch {
          if (unlabelled) this.set(Number.NaN);
          failures.inc({ metric: definition.name });
        }
      },
    });
  }

  /**
   * A counter that follows a running total kept elsewhere (a count the code
   * already keeps for /health): it catches up with it at each scrape.
   */
  counterFrom(definition: Definition<CounterConfiguration<never>>, total: () => number): Counter {
    let reported = 0;
    return new Counter({
      ...definition,
      registers: [this.registry],
      collect() {
        const now = total();
        if (now > reported) this.inc(now - reported);
        reported = Math.max(reported, now);
      },
    });
  }
}

/**
 * GET /metrics in the Prometheus text format, only for requests bearing
 * `token` (401 otherwise): the figures (process memory, connections, queue
 * depths) are for the scraper alone, and some services' ports face users.
 */
export function metricsHandler(metrics: ServiceMetrics, token: string): RequestHandler {
  return async (req, res) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      // Answered here, not thrown: some services mount no error handler of their own.
      const refusal = new ApiError(401, "unauthorized", "GET /metrics needs the METRICS_TOKEN bearer token");
      res.set("www-authenticate", 'Bearer realm="metrics"').status(401).json(refusal.toBody());
      return;
    }
    res.set("content-type", metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
