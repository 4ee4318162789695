import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { DeliveryJob } from "@herald/dispatch";
import type { Logger } from "@herald/runtime";
import type { DeliveryMetrics } from "./delivery-metrics";
import type { DeliveryContext, DeliveryStore } from "./delivery-store";
import type { EmailSender } from "./email-sender";
import type { HostLimiter } from "./host-limiter";
import type { PostgresOutage } from "./postgres-outage";
import type { SendResult, WebhookSender } from "./webhook-sender";
import { SUBSCRIPTION_CHANNEL } from "@herald/contract";
import type { ReplayChain } from "./replay-chain";
import {
  subscriptionBody,
  subscriptionMessageId,
  type SubscriptionDeliveryContext,
  type SubscriptionDeliveryStore,
} from "./subscription-delivery-store";

export interface DeliveryProcessorDependencies {
  readonly store: DeliveryStore;
  /** Subscription deliveries (jobs named `subscription`, on the webhook queue): what to send; attempts are recorded by `store`. */
  readonly subscriptions: SubscriptionDeliveryStore;
  readonly replays: Pick<ReplayChain, "next">;
  readonly webhook: WebhookSender;
  readonly email: EmailSender;
  readonly limiter: HostLimiter;
  readonly outage: PostgresOutage;
  readonly metrics: DeliveryMetrics;
  readonly logger: Logger;
}

export type DeliveryOutcome = "delivered" | "skipped" | "stale";

/** How long a job waits when its host is at its concurrency limit. */
const HOST_BUSY_DELAY_MS = 200;

/**
 * Puts the job back in the delayed set for `delayMs` (plus jitter) without
 * counting an attempt (BullMQ's moveToDelayed skips the attempt count), and
 * says so to BullMQ with a DelayedError. Should Redis refuse the move, the
 * DelayedError still stands: the job stays active without a lock, and
 * comes back as stalled, not as failed.
 */
async function delayWithoutAttempt(job: Job<DeliveryJob>, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs + Math.floor(Math.random() * delayMs), token).catch(() => undefined);
  throw new DelayedError();
}

/**
 * One attempt at one delivery. Every attempt is on record as started before it
 * is sent and finished with its answer; a failure throws so BullMQ retries
 * with backoff, and the last allowed failure (or one that no retry can fix)
 * leaves the delivery dead-lettered for an operator.
 *
 * Postgres being unreachable is nobody's failure and costs no attempt:
 * before anything is sent, the job goes back to the delayed set uncounted
 * (and the outage pauses the workers until Postgres answers); once the
 * request is out, the answer is held until Postgres takes it, rather than
 * thrown away and asked for again.
 */
export function createDeliveryProcessor({
  store,
  subscriptions,
  replays,
  webhook,
  email,
  limiter,
  outage,
  metrics,
  logger,
}: DeliveryProcessorDependencies) {
  return async (job: Job<DeliveryJob>, token?: string): Promise<DeliveryOutcome> => {
    /** A statement made before anything is sent: an outage puts the job back, uncounted. */
    const beforeSending = async <T>(statement: () => Promise<T>): Promise<T> => {
      try {
        return await statement();
      } catch (error) {
        if (await outage.isOutage(error)) return delayWithoutAttempt(job, token, outage.probeMs);
        throw error;
      }
    };
    /** The statement that records an answer: retried through an outage for as long as the job is ours. */
    const recordAnswer = async (statement: () => Promise<void>): Promise<void> => {
      for (;;) {
        try {
          return await statement();
        } catch (error) {
          if (!(await outage.isOutage(error))) throw error;
          await outage.whenBack();
        }
      }
    };

    const context = await beforeSending<DeliveryContext | SubscriptionDeliveryContext | undefined>(() =>
      job.name === SUBSCRIPTION_CHANNEL ? subscriptions.load(job.data.deliveryId) : store.load(job.data.deliveryId),
    );
    // Delivered, skipped or dead-lettered already, or a job of an earlier round: never send twice.
    if (!context || context.status !== "queued" || context.round !== (job.data.round ?? 0)) return "stale";
    const attempt = job.attemptsMade + 1;
    const lastAllowed = attempt >= (job.opts.attempts ?? 1);

    let destination: string;
    let result: SendResult;
    let attemptId: string;
    if (context.channel === "subscription") {
      // A webhook like a user's: same per-host limit, address guard, timeout and attempt log.
      destination = context.url;
      const host = new URL(destination).host;
      if (!limiter.tryAcquire(host)) return delayWithoutAttempt(job, token, HOST_BUSY_DELAY_MS);
      try {
        attemptId = await beforeSending(() => store.startAttempt(context.deliveryId, { attempt, channel: context.channel, destination }));
        result = await webhook.post(destination, context.secret, subscriptionMessageId(context), subscriptionBody(context));
      } finally {
        limiter.release(host);
      }
    } else if (context.channel === "webhook") {
      if (!context.webhookUrl || !context.webhookSecret) {
        await beforeSending(() => store.skip(context.deliveryId, "the user has no webhook URL"));
        metrics.delivery(context.channel, "skipped");
        return "skipped";
      }
      destination = context.webhookUrl;
      const host = new URL(destination).host;
      if (!limiter.tryAcquire(host)) return delayWithoutAttempt(job, token, HOST_BUSY_DELAY_MS);
      try {
        attemptId = await beforeSending(() => store.startAttempt(context.deliveryId, { attempt, channel: context.channel, destination }));
        result = await webhook.send(context, destination, context.webhookSecret);
      } finally {
        limiter.release(host);
      }
    } else {
      if (!context.email) {
        await beforeSending(() => store.skip(context.deliveryId, "the user has no email address"));
        metrics.delivery(context.channel, "skipped");
        return "skipped";
      }
      destination = context.email;
      attemptId = await beforeSending(() => store.startAttempt(context.deliveryId, { attempt, channel: context.channel, destination }));
      result = await email.send(context, destination);
    }

    const status = result.ok ? "delivered" : lastAllowed || result.permanent ? "dead_lettered" : "queued";
    await recordAnswer(() =>
      store.finishAttempt(context.deliveryId, attemptId, {
        outcome: result.ok ? "success" : "failure",
        httpStatus: result.httpStatus,
        smtpResponse: result.smtpResponse,
        error: result.ok ? undefined : result.error,
        durationMs: result.durationMs,
        status,
      }),
    );
    metrics.attempt(context.channel, result.ok, result.durationMs);
    metrics.delivery(context.channel, status === "queued" ? "retrying" : status);
    if (context.channel === "subscription" && context.replayId !== null && status !== "queued") {
      // Its turn is over: the replay's next event may go. Should this fail, the sweeper resumes the replay.
      await replays.next(context.replayId).catch((error: unknown) => {
        logger.warn({ err: (error as Error).message, replayId: context.replayId }, "could not queue a replay's next delivery");
      });
    }
    if (result.ok) return "delivered";
    logger.warn(
      { deliveryId: context.deliveryId, channel: context.channel, attempt, status, err: result.error },
      "delivery attempt failed",
    );
    if (result.permanent) throw new UnrecoverableError(result.error);
    throw new Error(result.error);
  };
}
