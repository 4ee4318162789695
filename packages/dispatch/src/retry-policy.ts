import { positiveInt } from "@herald/runtime";
import type { ExternalChannel } from "@herald/contract";

/** How often, and how far apart, BullMQ tries one delivery. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** First retry delay; each further retry doubles it. */
  readonly backoffMs: number;
}

export type RetryPolicies = Readonly<Record<ExternalChannel, RetryPolicy>>;

/** Retry settings, for every service that enqueues deliveries (router, scheduler, ingest's operator retry). */
export const RETRY_POLICY_ENV = {
  WEBHOOK_MAX_ATTEMPTS: positiveInt(5),
  WEBHOOK_BACKOFF_MS: positiveInt(1_000),
  EMAIL_MAX_ATTEMPTS: positiveInt(5),
  EMAIL_BACKOFF_MS: positiveInt(1_000),
};

export function retryPolicies(env: {
  readonly WEBHOOK_MAX_ATTEMPTS: number;
  readonly WEBHOOK_BACKOFF_MS: number;
  readonly EMAIL_MAX_ATTEMPTS: number;
  readonly EMAIL_BACKOFF_MS: number;
}): RetryPolicies {
  return {
    webhook: { maxAttempts: env.WEBHOOK_MAX_ATTEMPTS, backoffMs: env.WEBHOOK_BACKOFF_MS },
    // Subscriptions are webhooks: the same retries and backoff (contract, "Event subscriptions").
    subscription: { maxAttempts: env.WEBHOOK_MAX_ATTEMPTS, backoffMs: env.WEBHOOK_BACKOFF_MS },
    email: { maxAttempts: env.EMAIL_MAX_ATTEMPTS, backoffMs: env.EMAIL_BACKOFF_MS },
  };
}
