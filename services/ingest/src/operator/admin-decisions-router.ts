import { Router } from "express";
import { ApiError } from "@herald/contract";
import { userOf } from "@herald/auth";
import type { DecisionRecords } from "@herald/db";
import { parseEventId } from "./admin-requests";

/**
 * `GET /events/:eventId/decisions`: why each candidate recipient of one of
 * the admin's tenant's events did or did not get it. Another tenant's event
 * is not found. Admin auth is the caller's.
 */
export function createAdminDecisionsRouter(options: { readonly decisions: DecisionRecords }): Router {
  const router = Router();
  router.get("/events/:eventId/decisions", async (req, res) => {
    const eventId = parseEventId(String(req.params.eventId));
    const items = await options.decisions.ofEvent(userOf(req).tenant, eventId);
    if (!items) throw new ApiError(404, "not_found", `no event ${eventId}`);
    res.json({ items });
  });
  return router;
}
