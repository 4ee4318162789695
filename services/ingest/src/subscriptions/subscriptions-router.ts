import express, { Router, type Request, type RequestHandler } from "express";
import { authenticate, subscriberOf, verifyToken, type AuthConfig, type ServicePrincipal } from "@herald/auth";
import { tenantKey, type SubscriptionView } from "@herald/contract";
import { subscriptionCreateSchema, subscriptionReplaySchema, subscriptionUpdateSchema } from "@herald/contract/schemas";
import type { Subscriptions } from "@herald/db";
import { newWebhookSecret, parseBody, parseQuery, requireJson } from "@herald/runtime";
import type { SubscriptionChanges } from "./subscription-changes";
import { replaySubscription, type ReplayDependencies } from "./subscription-replay";
import { notFound, parseSubscriptionId, refusePrivateUrl, subscriptionListQuerySchema } from "./subscription-requests";

export interface SubscriptionsRouterOptions {
  readonly subscriptions: Subscriptions;
  readonly changes: SubscriptionChanges;
  /** WEBHOOK_ALLOWED_HOSTS: hosts exempt from the private-address refusal. */
  readonly allowedHosts: readonly string[];
  readonly replay: ReplayDependencies;
}

const jsonBody = [requireJson, express.json({ limit: "16kb", strict: false })];

/**
 * Who asks comes first: no token is a 401 and a token without the scope a
 * 403, whatever the body and whether or not Postgres answers.
 */
export function requireSubscriber(auth: AuthConfig): RequestHandler {
  return (req, _res, next) => {
    req.principal = subscriberOf(authenticate(req.headers.authorization, (token) => verifyToken(token, auth)));
    next();
  };
}

/**
 * `/api/v1/subscriptions`, behind requireSubscriber: a service (token with `events:subscribe`)
 * manages its tenant's webhook subscriptions. Every route sees the token's
 * tenant only; another tenant's id answers 404. A refused request changes
 * nothing.
 */
export function createSubscriptionsRouter(options: SubscriptionsRouterOptions): Router {
  const { subscriptions, changes } = options;
  const router = Router();
  const subscriber = (req: Request): ServicePrincipal => subscriberOf(req.principal!);
  const tenantOf = (req: Request) => subscriptions.of(subscriber(req).tenant);

  router.post("/", ...jsonBody, async (req, res) => {
    const service = subscriber(req);
    const input = parseBody(subscriptionCreateSchema, req.body);
    refusePrivateUrl(input.url, options.allowedHosts);
    const secret = newWebhookSecret();
    const created = await subscriptions
      .of(service.tenant)
      .create({ ...input, producer: tenantKey(service.tenant, service.subject), secret });
    await changes.changed();
    // The only time the secret is shown.
    res.status(201).json({ ...created, secret } satisfies SubscriptionView & { secret: string });
  });

  router.get("/", async (req, res) => {
    const tenant = tenantOf(req);
    const query = parseQuery(subscriptionListQuerySchema, req.query);
    res.json(await tenant.list({ afterId: query.cursor, limit: query.limit }));
  });

  router.get("/:id", async (req, res) => {
    const tenant = tenantOf(req);
    const id = parseSubscriptionId(String(req.params.id));
    const subscription = await tenant.get(id);
    if (!subscription) throw notFound(id);
    res.json({ ...subscription, recentDeliveries: await tenant.recentOutcomes(id) });
  });

  router.patch("/:id", ...jsonBody, async (req, res) => {
    const tenant = tenantOf(req);
    const id = parseSubscriptionId(String(req.params.id));
    const change = parseBody(subscriptionUpdateSchema, req.body);
    refusePrivateUrl(change.url, options.allowedHosts);
    const updated = await tenant.update(id, change);
    if (!updated) throw notFound(id);
    await changes.changed();
    res.json(updated);
  });

  router.delete("/:id", async (req, res) => {
    const tenant = tenantOf(req);
    const id = parseSubscriptionId(String(req.params.id));
    if (!(await tenant.delete(id))) throw notFound(id);
    await changes.changed();
    res.status(204).end();
  });

  router.post("/:id/replay", ...jsonBody, async (req, res) => {
    const tenant = tenantOf(req);
    const id = parseSubscriptionId(String(req.params.id));
    const request = parseBody(subscriptionReplaySchema, req.body);
    const subscription = await tenant.get(id);
    if (!subscription) throw notFound(id);
    res.status(202).json(await replaySubscription(tenant, subscription, request, options.replay));
  });

  return router;
}
