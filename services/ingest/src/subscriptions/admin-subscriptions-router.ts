import express, { Router } from "express";
import { z } from "zod";
import { userOf } from "@herald/auth";
import { subscriptionStatusSchema } from "@herald/contract/schemas";
import type { Subscriptions } from "@herald/db";
import { parseBody, parseQuery, requireJson } from "@herald/runtime";
import type { SubscriptionChanges } from "./subscription-changes";
import { notFound, parseSubscriptionId, subscriptionListQuerySchema } from "./subscription-requests";

const statusChangeSchema = z.object({ status: subscriptionStatusSchema }).strict();

/**
 * The admin panel's view of its tenant's webhook subscriptions (no
 * secrets): list, and pause or resume one. Admin auth is the caller's.
 */
export function createAdminSubscriptionsRouter({
  subscriptions,
  changes,
}: {
  readonly subscriptions: Subscriptions;
  readonly changes: SubscriptionChanges;
}): Router {
  const router = Router();

  router.get("/subscriptions", async (req, res) => {
    const query = parseQuery(subscriptionListQuerySchema, req.query);
    res.json(await subscriptions.of(userOf(req).tenant).list({ afterId: query.cursor, limit: query.limit }));
  });

  router.patch("/subscriptions/:id", requireJson, express.json({ limit: "4kb", strict: false }), async (req, res) => {
    const id = parseSubscriptionId(String(req.params.id));
    const { status } = parseBody(statusChangeSchema, req.body);
    const updated = await subscriptions.of(userOf(req).tenant).update(id, { status });
    if (!updated) throw notFound(id);
    await changes.changed();
    res.json(updated);
  });

  return router;
}
