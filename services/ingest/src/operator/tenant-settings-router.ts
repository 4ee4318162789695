import express, { Router } from "express";
import type { TenantSettings } from "@herald/contract";
import { tenantSettingsUpdateSchema } from "@herald/contract/schemas";
import { userOf } from "@herald/auth";
import type { TenantSettingsStore } from "@herald/db";
import { parseBody, requireJson } from "@herald/runtime";

/**
 * The admin's own tenant's settings: today the per-user throttle
 * (`maxNotificationsPerUserPerHour`, 0 = off). Routers read it in the
 * statement that stores each batch, so a change needs no cache bump.
 * Admin auth is the caller's.
 */
export function createTenantSettingsRouter({ settings }: { readonly settings: TenantSettingsStore }): Router {
  const router = Router();

  router.get("/tenant/settings", async (req, res) => {
    const body: TenantSettings = await settings.of(userOf(req).tenant);
    res.json(body);
  });

  router.put("/tenant/settings", requireJson, express.json({ limit: "4kb", strict: false }), async (req, res) => {
    const update = parseBody(tenantSettingsUpdateSchema, req.body);
    const body: TenantSettings = await settings.update(userOf(req).tenant, update);
    res.json(body);
  });

  return router;
}
