import type { Counter, Histogram, ServiceMetrics, StreamBacklog } from "@herald/runtime";
import type { DraftStatus } from "./route-event";
import type { DeadLetterCause } from "./stream-consumer";

/**
 * The router's Prometheus metrics: counters bumped once per batch (never per
 * recipient), and the stream's backlog read from Redis when scraped.
 */
export class RouterMetrics {
  private readonly events: Counter;
  private readonly notifications: Counter<"status">;
  private readonly deadLetters: Counter<"cause">;
  private readonly batchSeconds: Histogram;

  constructor(metrics: ServiceMetrics, backlog: () => Promise<StreamBacklog>) {
    this.events = metrics.counter({
      name: "herald_router_events_routed_total",
      help: "Events the router stored and dispatched (an event redelivered after a crash counts again)",
    });
    this.notifications = metrics.counter({
      name: "herald_router_notifications_total",
      help: "Notifications the router decided to create, by status: pending (delivered now), held (DND), digest",
      labelNames: ["status"],
    });
    this.deadLetters = metrics.counter({
      name: "herald_router_dead_letters_total",
      help: "Stream entries moved to the dead-letter stream, by cause (rejected, data_error, retries_exhausted)",
      labelNames: ["cause"],
    });
    this.batchSeconds = metrics.histogram({
      name: "herald_router_batch_duration_seconds",
      help: "Time to route one batch of stream entries: recipients, store, dispatch",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    // Every series from the start, at 0: rate() and alerts see the first increment.
    for (const status of ["pending", "held", "digest"] as const) this.notifications.inc({ status }, 0);
    for (const cause of ["rejected", "data_error", "retries_exhausted"] as const) this.deadLetters.inc({ cause }, 0);
    // The three gauges are collected together at each scrape: they share one read.
    let reading: Promise<StreamBacklog> | undefined;
    const shared = () => (reading ??= backlog().finally(() => (reading = undefined)));
    const gauge = (name: string, help: string, value: (b: StreamBacklog) => number) =>
      metrics.gaugeOnScrape({ name, help }, async () => [{ value: value(await shared()) }]);
    gauge(
      "herald_router_stream_length",
      "Entries in the event stream (unrouted, pending, and routed ones a subscriber group still needs)",
      (b) => b.length,
    );
    // NaN while Redis cannot tell the lag, or the group is missing (Redis lost it): an alert sees that, not a reassuring 0.
    gauge("herald_router_stream_lag", "Event stream entries no router has read yet", (b) => b.group?.lag ?? Number.NaN);
    gauge(
      "herald_router_stream_pending",
      "Event stream entries read by a router and not yet acknowledged",
      (b) => b.group?.pending ?? Number.NaN,
    );
  }

  /** A batch stored and dispatched: its events, the notifications created for them, how long it took. */
  batchRouted(events: number, notifications: readonly { readonly status: DraftStatus }[], seconds: number): void {
    this.events.inc(events);
    let pending = 0;
    let held = 0;
    let digest = 0;
    for (const { status } of notifications) {
      if (status === "pending") pending += 1;
      else if (status === "held") held += 1;
      else digest += 1;
    }
    if (pending > 0) this.notifications.inc({ status: "pending" }, pending);
    if (held > 0) this.notifications.inc({ status: "held" }, held);
    if (digest > 0) this.notifications.inc({ status: "digest" }, digest);
    this.batchSeconds.observe(seconds);
  }

  readonly deadLettered = (cause: DeadLetterCause): void => {
    this.deadLetters.inc({ cause });
  };
}
