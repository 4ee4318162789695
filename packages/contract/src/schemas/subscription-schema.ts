import { z } from "zod";
import { MAX_SUBSCRIPTION_PATTERNS, SUBSCRIPTION_STATUSES, subscriptionPatternProblem } from "../subscription";
import { MAX_PROJECT_ID_LENGTH, MAX_SOURCE_TYPE_LENGTH } from "./event-fields";
import { webhookUrlSchema } from "./preferences-schema";
import { isoDateTime, plainText } from "./text-fields";

/** Longest replay window: a replay is one job sending one event after another, so it is kept to what one job can send in reasonable time. */
export const MAX_REPLAY_WINDOW_MS = 7 * 24 * 3600 * 1000;

const pattern = z.string().superRefine((value, ctx) => {
  const problem = subscriptionPatternProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const patterns = z
  .array(pattern)
  .min(1, "give at least one pattern (an event type, a category such as job.*, or *)")
  .max(MAX_SUBSCRIPTION_PATTERNS, `at most ${MAX_SUBSCRIPTION_PATTERNS} patterns`)
  .transform((list) => [...new Set(list)]);

const filter = z
  .object({
    projectId: plainText(MAX_PROJECT_ID_LENGTH).optional(),
    sourceType: plainText(MAX_SOURCE_TYPE_LENGTH).optional(),
  })
  .strict();

export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);

/** `POST /api/v1/subscriptions`. */
export const subscriptionCreateSchema = z
  .object({
    url: webhookUrlSchema,
    eventTypes: patterns,
    filter: filter.optional(),
    description: plainText(500).optional(),
  })
  .strict();
export type SubscriptionCreate = z.infer<typeof subscriptionCreateSchema>;

/** `PATCH /api/v1/subscriptions/:id`: what is given replaces what is stored (a `filter` replaces the whole filter). */
export const subscriptionUpdateSchema = z
  .object({
    status: subscriptionStatusSchema.optional(),
    eventTypes: patterns.optional(),
    filter: filter.optional(),
    url: webhookUrlSchema.optional(),
    description: plainText(500).nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of status, eventTypes, filter, url, description" });
export type SubscriptionUpdate = z.infer<typeof subscriptionUpdateSchema>;

/** `POST /api/v1/subscriptions/:id/replay`. */
export const subscriptionReplaySchema = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    eventTypes: patterns.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const from = Date.parse(v.from);
    const to = Date.parse(v.to);
    if (from > to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if (to - from > MAX_REPLAY_WINDOW_MS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `the window may span at most ${MAX_REPLAY_WINDOW_MS / 3_600_000} hours` });
    }
  });
export type SubscriptionReplay = z.infer<typeof subscriptionReplaySchema>;
