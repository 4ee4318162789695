import type { RequestHandler } from "express";
import { ApiError } from "@herald/contract";
import { userOf } from "@herald/auth";

/**
 * The queue dashboard shows every tenant's jobs (the BullMQ queues are the
 * installation's, shared by all tenants), so only the admins of the
 * installation's operator tenant may log in to it or open it.
 */
export function refuseOutsideOperatorTenant(tenant: string, operatorTenant: string): void {
  if (tenant !== operatorTenant) {
    throw new ApiError(
      403,
      "forbidden",
      `the queue dashboard shows every tenant's jobs: it is for admins of the operator tenant (${operatorTenant}) only`,
    );
  }
}

/** After the admin guard, on the dashboard's routes. */
export function requireOperatorTenant(operatorTenant: string): RequestHandler {
  return (req, _res, next) => {
    refuseOutsideOperatorTenant(userOf(req).tenant, operatorTenant);
    next();
  };
}
