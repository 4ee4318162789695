import express, { Router } from "express";
import { ApiError, EVENT_TYPES, tenantDefault, type TenantPreferenceEntry } from "@herald/contract";
import { tenantPreferenceUpdateSchema } from "@herald/contract/schemas";
import { userOf } from "@herald/auth";
import type { TenantPreferences } from "@herald/db";
import { parseBody, parseEventTypeParam, requireJson } from "@herald/runtime";
import type { RecipientCacheVersion } from "./user-provisioning";

export interface TenantPreferencesRouterOptions {
  readonly preferences: TenantPreferences;
  readonly version: RecipientCacheVersion;
}

/**
 * The admin's own tenant's default preferences: GET lists every catalog type
 * (the catalog's default where the tenant set none), PUT sets one. Users who
 * never set a preference of their own follow these as they change;
 * `required` ones apply to every user of the tenant. Admin auth is the caller's.
 */
export function createTenantPreferencesRouter({ preferences, version }: TenantPreferencesRouterOptions): Router {
  const router = Router();

  router.get("/tenant/preferences", async (req, res) => {
    const stored = await preferences.of(userOf(req).tenant);
    const items: TenantPreferenceEntry[] = EVENT_TYPES.map((t) => ({
      eventType: t.name,
      ...tenantDefault(t.name, stored.get(t.name)),
      isDefault: !stored.has(t.name),
    }));
    res.json({ items });
  });

  router.put("/tenant/preferences/:eventType", requireJson, express.json({ limit: "16kb", strict: false }), async (req, res) => {
    const type = parseEventTypeParam(String(req.params.eventType));
    const update = parseBody(tenantPreferenceUpdateSchema, req.body);
    const tenant = userOf(req).tenant;
    const current = (await preferences.of(tenant)).get(type);
    const merged = { ...tenantDefault(type, current), ...update };
    // Checked on the merge too: `{ required: true }` over a stored disabled default would silence the type for everyone.
    if (merged.required && (!merged.enabled || merged.channels.length === 0)) {
      throw new ApiError(400, "invalid_preference", "a required type must be enabled, with at least one channel", [
        { path: "required", message: "the type would be disabled or muted for every user" },
      ]);
    }
    const stored = await preferences.update(tenant, type, update, current);
    try {
      await version.bump();
    } catch {
      throw new ApiError(503, "redis_unavailable", "the default was stored but routers could not be told to reload it; repeat the request");
    }
    const entry: TenantPreferenceEntry = { eventType: type, ...stored, isDefault: false };
    res.json(entry);
  });

  return router;
}
