import type { Counter, Histogram, ServiceMetrics } from "@herald/runtime";
import type { PublishRoute } from "./publish-route";

/**
 * Ingest's publish figures, told by the publish handler once it has answered:
 * per request, a clock read, one histogram observation and one counter
 * increment, so that the hot path pays next to nothing for them.
 */
export class PublishMetrics {
  private readonly acceptedEvents: Counter;
  private readonly refusedRequests: Counter<"code">;
  private readonly duration: Histogram<"endpoint" | "outcome">;

  constructor(metrics: ServiceMetrics) {
    this.acceptedEvents = metrics.counter({
      name: "herald_ingest_events_accepted_total",
      help: "Events ingest accepted (202) and put on the event stream, batches counted by their events",
    });
    this.refusedRequests = metrics.counter({
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

  /** A request answered 202 with `events` events, begun at `started` (performance.now()). */
  accepted(endpoint: PublishRoute, events: number, started: number): void {
    this.duration.observe({ endpoint, outcome: "accepted" }, (performance.now() - started) / 1000);
    this.acceptedEvents.inc(events);
  }

  /** A request answered with the error `code`. */
  refused(endpoint: PublishRoute, code: string, started: number): void {
    this.duration.observe({ endpoint, outcome: "refused" }, (performance.now() - started) / 1000);
    this.refusedRequests.inc({ code });
  }
}
