import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { DeliveryJob } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { DeliveryStore } from "./delivery-store";
import type { EmailSender } from "./email-sender";
import type { HostLimiter } from "./host-limiter";
import type { SendResult, WebhookSender } from "./webhook-sender";

export interface DeliveryProcessorDependencies {
  readonly store: DeliveryStore;
  readonly webhook: WebhookSender;
  readonly email: EmailSender;
  readonly limiter: HostLimiter;
  readonly logger: Logger;
}

export type DeliveryOutcome = "delivered" | "skipped" | "stale";

/** How long a job waits when its host is at its concurrency limit. */
const HOST_BUSY_DELAY_MS = 200;

/**
 * One attempt at one delivery. Every attempt is on record as started before it
 * is sent and finished with its answer; a failure throws so BullMQ retries
 * with backoff, and the last allowed failure (or one that no retry can fix)
 * leaves the delivery dead-lettered for an operator.
 */
export function createDeliveryProcessor({ store, webhook, email, limiter, logger }: DeliveryProcessorDependencies) {
  return async (job: Job<DeliveryJob>, token?: string): Promise<DeliveryOutcome> => {
    const context = await store.load(job.data.deliveryId);
    // Delivered, skipped or dead-lettered already, or a job of an earlier round: never send twice.
    if (!context || context.status !== "queued" || context.round !== (job.data.round ?? 0)) return "stale";
    const attempt = job.attemptsMade + 1;
    const lastAllowed = attempt >= (job.opts.attempts ?? 1);

    let destination: string;
    let result: SendResult;
    let attemptId: string;
    if (context.channel === "webhook") {
      if (!context.webhookUrl || !context.webhookSecret) {
        await store.skip(context.deliveryId, "the user has no webhook URL");
        return "skipped";
      }
      destination = context.webhookUrl;
      const host = new URL(destination).host;
      if (!limiter.tryAcquire(host)) {
        await job.moveToDelayed(Date.now() + HOST_BUSY_DELAY_MS + Math.floor(Math.random() * HOST_BUSY_DELAY_MS), token);
        throw new DelayedError();
      }
      try {
        attemptId = await store.startAttempt(context.deliveryId, { attempt, channel: context.channel, destination });
        result = await webhook.send(context, destination, context.webhookSecret);
      } finally {
        limiter.release(host);
      }
    } else {
      if (!context.email) {
        await store.skip(context.deliveryId, "the user has no email address");
        return "skipped";
      }
      destination = context.email;
      attemptId = await store.startAttempt(context.deliveryId, { attempt, channel: context.channel, destination });
      result = await email.send(context, destination);
    }

    const status = result.ok ? "delivered" : lastAllowed || result.permanent ? "dead_lettered" : "queued";
    await store.finishAttempt(context.deliveryId, attemptId, {
      outcome: result.ok ? "success" : "failure",
      httpStatus: result.httpStatus,
      smtpResponse: result.smtpResponse,
      error: result.ok ? undefined : result.error,
      durationMs: result.durationMs,
      status,
    });
    if (result.ok) return "delivered";
    logger.warn(
      { deliveryId: context.deliveryId, channel: context.channel, attempt, status, err: result.error },
      "delivery attempt failed",
    );
    if (result.permanent) throw new UnrecoverableError(result.error);
    throw new Error(result.error);
  };
}
