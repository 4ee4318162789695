import { Router } from "express";
import { z } from "zod";
import { userOf } from "@herald/auth";
import { isoDateTime } from "@herald/contract/schemas";
import { parseQuery } from "@herald/runtime";
import type { DeliveryStatistics } from "./delivery-statistics";

const DAY_MS = 24 * 3600 * 1000;
/** A year of a busy tenant's rows is still one aggregate each, but no answer should take minutes. */
const MAX_WINDOW_MS = 366 * DAY_MS;

const statsQuerySchema = z
  .object({ from: isoDateTime.optional(), to: isoDateTime.optional() })
  .strict()
  .transform(({ from, to }) => {
    const end = to ? new Date(to) : new Date();
    return { from: from ? new Date(from) : new Date(end.getTime() - DAY_MS), to: end };
  })
  .refine(({ from, to }) => from < to, { message: "from must be before to", path: ["from"] })
  .refine(({ from, to }) => to.getTime() - from.getTime() <= MAX_WINDOW_MS, {
    message: "the window may span at most 366 days",
    path: ["from"],
  });

/**
 * `GET /stats?from=&to=` (default: the last 24 hours): the admin's tenant's
 * delivery statistics for notifications created in the window, and the
 * installation's backlog. Admin auth is the caller's.
 */
export function createAdminStatsRouter(options: { readonly statistics: DeliveryStatistics }): Router {
  const router = Router();
  router.get("/stats", async (req, res) => {
    const { from, to } = parseQuery(statsQuerySchema, req.query);
    res.json(await options.statistics.of(userOf(req).tenant, from, to));
  });
  return router;
}
