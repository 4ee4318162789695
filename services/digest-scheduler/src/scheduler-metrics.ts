import type { Counter, Histogram, ServiceMetrics } from "@herald/runtime";
import type { DigestOutcome } from "./send-digest";

const DIGEST_OUTCOMES: readonly DigestOutcome[] = ["sent", "empty", "not_due", "disabled", "in_dnd"];

/** The digest-scheduler's Prometheus metrics. */
export class SchedulerMetrics {
  private readonly digests: Counter<"outcome">;
  private readonly releases: Counter;
  private readonly released: Counter;
  private readonly tickSeconds: Histogram;
  private readonly failures: Counter<"job">;

  constructor(metrics: ServiceMetrics) {
    this.digests = metrics.counter({
      name: "herald_scheduler_digests_total",
      help: "Digest jobs run, by outcome (sent, empty, not_due, disabled, in_dnd)",
      labelNames: ["outcome"],
    });
    this.releases = metrics.counter({
      name: "herald_scheduler_dnd_releases_total",
      help: "Users whose DND hold ended and whose held notifications were released",
    });
    this.released = metrics.counter({
      name: "herald_scheduler_dnd_released_notifications_total",
      help: "Held notifications released when their user's DND ended",
    });
    this.tickSeconds = metrics.histogram({
      name: "herald_scheduler_tick_duration_seconds",
      help: "Time of one scheduler tick: finding due digests and DND releases, queueing a job per user",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.failures = metrics.counter({
      name: "herald_scheduler_job_failures_total",
      help: "Scheduler jobs that failed (BullMQ retries them), by job (tick, release-dnd, send-digest)",
      labelNames: ["job"],
    });
    // Every series from the start, at 0: rate() and alerts see the first increment.
    for (const outcome of DIGEST_OUTCOMES) this.digests.inc({ outcome }, 0);
  }

  digest(outcome: DigestOutcome): void {
    this.digests.inc({ outcome });
  }

  dndReleased(notifications: number): void {
    if (notifications === 0) return;
    this.releases.inc();
    this.released.inc(notifications);
  }

  tick(seconds: number): void {
    this.tickSeconds.observe(seconds);
  }

  jobFailed(job: string): void {
    this.failures.inc({ job });
  }
}
