import { Router } from "express";
import { ApiError } from "@herald/contract";
import { userOf } from "@herald/auth";
import { deliveryListQuerySchema, parseDeliveryId } from "./admin-requests";
import type { DeliveryRepository } from "./delivery-repository";
import { retryDeadLetter, type RetryDependencies } from "./delivery-retry";
import { parseQuery } from "@herald/runtime";

export interface AdminDeliveriesRouterOptions {
  readonly repository: DeliveryRepository;
  readonly retry: Omit<RetryDependencies, "store">;
}

/**
 * Deliveries for operators, of their own tenant only: list, one with its
 * every attempt, and retrying a dead letter. Admin auth is the caller's.
 */
export function createAdminDeliveriesRouter(options: AdminDeliveriesRouterOptions): Router {
  const { repository } = options;
  const router = Router();

  router.get("/deliveries", async (req, res) => {
    const query = parseQuery(deliveryListQuerySchema, req.query);
    res.json(
      await repository.of(userOf(req).tenant).list({
        status: query.status,
        channel: query.channel,
        userId: query.userId,
        beforeId: query.cursor === undefined ? undefined : BigInt(query.cursor),
        limit: query.limit,
      }),
    );
  });

  router.get("/deliveries/:id", async (req, res) => {
    const id = parseDeliveryId(req.params.id);
    const delivery = await repository.of(userOf(req).tenant).get(id);
    if (!delivery) throw new ApiError(404, "not_found", `no delivery ${id}`);
    res.json(delivery);
  });

  router.post("/deliveries/:id/retry", async (req, res) => {
    const id = parseDeliveryId(req.params.id);
    res.status(202).json(await retryDeadLetter(id, { ...options.retry, store: repository.of(userOf(req).tenant) }));
  });

  return router;
}
