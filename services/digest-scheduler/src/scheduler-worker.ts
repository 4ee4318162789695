import { Worker, type Job, type Queue } from "bullmq";
import type { RedisClient } from "@herald/runtime";
import { SCHEDULER_JOBS, SchedulerJobs, type ReleaseDndJob, type SendDigestJob } from "@herald/dispatch";
import type { Database } from "@herald/db";
import type { Dispatcher, NotificationPusher } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { DigestClock } from "./digest-window";
import type { RetentionConfig } from "./config";
import { findDueWork } from "./find-due-work";
import { releaseHeld } from "./release-held";
import type { SchedulerMetrics } from "./scheduler-metrics";
import { runRetention } from "./run-retention";
import { scheduleLocalDigests } from "./schedule-local-digests";
import { sendDigest } from "./send-digest";
import { sendThrottleSummaries } from "./send-throttle-summaries";

export interface SchedulerWorkerOptions {
  readonly queue: Queue;
  readonly connection: RedisClient;
  readonly prefix: string;
  readonly db: Database;
  readonly dispatcher: Dispatcher;
  readonly pusher: NotificationPusher;
  readonly clock: DigestClock;
  /** THROTTLE_WINDOW_MS: each window's throttled notifications are summarized at the first tick after it. */
  readonly throttleWindowMs: number;
  readonly retention: RetentionConfig;
  readonly concurrency?: number;
  readonly metrics: SchedulerMetrics;
  readonly logger: Logger;
}

/**
 * Runs the scheduler queue. The tick and retention are BullMQ job schedulers (TickSchedule),
 * so however many scheduler replicas run, one tick job exists per interval;
 * it fans out one job per user, whose deterministic job ids keep two ticks
 * (or two replicas) from queueing the same user's work twice.
 */
export function startSchedulerWorker(options: SchedulerWorkerOptions): Worker {
  const { queue, db, dispatcher, pusher, clock, throttleWindowMs, retention, metrics, logger } = options;
  const jobs = new SchedulerJobs(queue);

  const handlers: Record<string, (job: Job) => Promise<unknown>> = {
    [SCHEDULER_JOBS.tick]: async () => {
      const started = performance.now();
      const now = new Date();
      await scheduleLocalDigests(db, now);
      const due = await findDueWork(db, clock, now);
      const periodEnd = now.toISOString();
      await jobs.add([
        ...due.releases.map((userId) => ({ kind: "release-dnd" as const, userId })),
        ...due.digests.map((userId) => ({ kind: "send-digest" as const, userId, periodEnd })),
      ]);
      const summarized = await sendThrottleSummaries(db, dispatcher, throttleWindowMs, now);
      if (summarized > 0) logger.info({ summarized }, "summarized throttled notifications");
      metrics.tick((performance.now() - started) / 1000);
      return { ...due, summarized };
    },
    // Its own job scheduler: a long run (a backlog of old rows) never delays digests and releases.
    [SCHEDULER_JOBS.retention]: async () => {
      const outcome = await runRetention(db, pusher, retention, new Date());
      if (outcome.events + outcome.readNotifications + outcome.overCap > 0) logger.info(outcome, "retention deleted rows");
      return outcome;
    },
    [SCHEDULER_JOBS.releaseDnd]: async (job) => {
      const released = await releaseHeld(db, dispatcher, (job.data as ReleaseDndJob).userId, new Date());
      metrics.dndReleased(released);
      if (released > 0) logger.info({ userId: (job.data as ReleaseDndJob).userId, released }, "released DND-held notifications");
      return released;
    },
    [SCHEDULER_JOBS.sendDigest]: async (job) => {
      const data = job.data as SendDigestJob;
      const outcome = await sendDigest(db, dispatcher, data, clock, new Date());
      metrics.digest(outcome);
      if (outcome === "sent") logger.info({ userId: data.userId, periodEnd: data.periodEnd }, "digest sent");
      return outcome;
    },
  };

  const worker = new Worker(
    queue.name,
    async (job) => {
      const handler = handlers[job.name];
      if (!handler) throw new Error(`unknown scheduler job: ${job.name}`);
      return handler(job);
    },
    { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency ?? 4 },
  );
  worker.on("failed", (job, error) => {
    // Only the known job names become label values.
    metrics.jobFailed(job && Object.hasOwn(handlers, job.name) ? job.name : "unknown");
    logger.warn({ job: job?.name, jobId: job?.id, err: error.message }, "scheduler job failed");
  });
  return worker;
}
