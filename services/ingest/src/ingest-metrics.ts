import type { RequestHandler } from "express";
import { answeredErrorCode, type Counter, type Histogram, type ServiceMetrics } from "@herald/runtime";

/** Whether a publish request was for one event or a batch, from its path under /api/v1/events. */
type Endpoint = "single" | "batch";

/** How many events a request the publish router accepted (202) carried: one, or its batch's. */
function eventsIn(endpoint: Endpoint, body: unknown): number {
  if (endpoint === "single") return 1;
  const events = (body as { events?: unknown } | null | undefined)?.events;
  return Array.isArray(events) ? events.length : 0;
}

/**
 * Ingest's publish figures, taken from outside the publish router (a
 * middleware in front of it, reading the answer once it is sent), so that
 * the publish path itself stays as it is: per request, a clock read, one
 * histogram observation and one counter increment.
 */
export class IngestMetrics {
  private readonly accepted: Counter;
  private readonly refused: Counter<"code">;
  private readonly duration: Histogram<"endpoint" | "outcome">;

  constructor(metrics: ServiceMetrics) {
    this.accepted = metrics.counter({
      name: "herald_ingest_events_accepted_total",
      help: "Events ingest accepted (202) and put on the event stream, batches counted by their events",
    });
    this.refused = metrics.counter({
      name: "herald_ingest_publish_refused_total",
      help: "Publish requests refused, by the error code answered (backpressure, forbidden, invalid_event, redis_unavailable, ...)",
      labelNames: ["code"],
    });
    this.duration = metrics.histogram({
      name: "herald_ingest_publish_duration_seconds",
      help: "Time to answer a publish request, by endpoint (single, batch) and outcome (accepted, refused)",
      labelNames: ["endpoint", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
  }

  /** Mounted in front of the publish router: counts each POST once its answer is sent. */
  readonly publishRequests: RequestHandler = (req, res, next) => {
    if (req.method !== "POST") return next();
    const started = performance.now();
    const endpoint: Endpoint = req.path === "/batch" ? "batch" : "single";
    res.once("finish", () => {
      const accepted = res.statusCode === 202;
      this.duration.observe({ endpoint, outcome: accepted ? "accepted" : "refused" }, (performance.now() - started) / 1000);
      if (accepted) this.accepted.inc(eventsIn(endpoint, req.body));
      else this.refused.inc({ code: answeredErrorCode(res) ?? `http_${res.statusCode}` });
    });
    next();
  };
}
