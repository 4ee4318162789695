import type { Queue } from "bullmq";
import { EXTERNAL_CHANNELS, type ExternalChannel } from "@herald/contract";
import type { Counter, Histogram, ServiceMetrics } from "@herald/runtime";

/**
 * How one go at a delivery ended: sent; failed with retries left; failed for
 * good (dead-lettered); or not sent at all, the user having no address.
 */
export type DeliveryResult = "delivered" | "retrying" | "dead_lettered" | "skipped";

const RESULTS: readonly DeliveryResult[] = ["delivered", "retrying", "dead_lettered", "skipped"];

/** The BullMQ job states reported per queue: waiting to run, running, waiting out a backoff, failed for good. */
const QUEUE_STATES = ["waiting", "prioritized", "active", "delayed", "failed"] as const;

/** The delivery-worker's Prometheus metrics; queue depths are read from Redis when scraped. */
export class DeliveryMetrics {
  private readonly results: Counter<"channel" | "outcome">;
  private readonly attempts: Histogram<"channel" | "outcome">;

  constructor(metrics: ServiceMetrics, queues: readonly Queue[]) {
    this.results = metrics.counter({
      name: "herald_delivery_deliveries_total",
      help: "Delivery jobs handled, by channel and outcome (delivered, retrying, dead_lettered, skipped)",
      labelNames: ["channel", "outcome"],
    });
    this.attempts = metrics.histogram({
      name: "herald_delivery_attempt_duration_seconds",
      help: "Time of one send (webhook request, SMTP transaction), by channel and outcome (success, failure)",
      labelNames: ["channel", "outcome"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    // Every series from the start, at 0: rate() and alerts see the first increment.
    for (const channel of EXTERNAL_CHANNELS) for (const outcome of RESULTS) this.results.inc({ channel, outcome }, 0);
    metrics.gaugeOnScrape(
      {
        name: "herald_delivery_queue_jobs",
        help: "Jobs in each delivery queue, by state (waiting, prioritized, active, delayed, failed)",
        labelNames: ["queue", "state"],
      },
      async () => {
        const counts = await Promise.all(
          queues.map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts(...QUEUE_STATES) })),
        );
        return counts.flatMap(({ queue, counts }) =>
          QUEUE_STATES.map((state) => ({ labels: { queue, state }, value: counts[state] ?? 0 })),
        );
      },
    );
  }

  delivery(channel: ExternalChannel, outcome: DeliveryResult): void {
    this.results.inc({ channel, outcome });
  }

  attempt(channel: ExternalChannel, ok: boolean, durationMs: number): void {
    this.attempts.observe({ channel, outcome: ok ? "success" : "failure" }, durationMs / 1000);
  }
}
