import { Router } from "express";
import { ApiError, isDndActive } from "@herald/contract";
import { isPermittedLiteralHost } from "@herald/runtime";
import type { AuthConfig } from "@herald/auth";
import { preferenceUpdateSchema, settingsUpdateSchema } from "@herald/contract/schemas";
import { requireUser, userOf } from "@herald/auth";
import type { Database } from "@herald/db";
import { previewDigest } from "./digest-preview";
import type { PreferencesRepository } from "./preferences-repository";
import type { SettingsRepository } from "./settings-repository";
import type { SchedulerJobs } from "@herald/dispatch";
import type { UserSync } from "../user-sync";
import { parseBody, parseEventTypeParam, requireJson } from "@herald/runtime";

export interface SettingsRouterOptions {
  readonly auth: AuthConfig;
  readonly db: Database;
  readonly preferences: PreferencesRepository;
  readonly settings: SettingsRepository;
  readonly scheduler: SchedulerJobs;
  readonly users: UserSync;
  /** Hosts exempt from the private-address refusal (WEBHOOK_ALLOWED_HOSTS). */
  readonly webhookAllowedHosts: readonly string[];
}

/** Preferences, settings and the digest preview: a user's own, never anyone else's. */
export function createSettingsRouter(options: SettingsRouterOptions): Router {
  const { preferences, settings, scheduler, users, db } = options;
  const router = Router();
  router.use(requireUser(options.auth), async (req, _res, next) => {
    await users.ensure(userOf(req));
    next();
  });

  router.get("/preferences", async (req, res) => {
    res.json({ items: await preferences.list(userOf(req)) });
  });

  router.put("/preferences/:eventType", requireJson, async (req, res) => {
    const type = parseEventTypeParam(String(req.params.eventType));
    const update = parseBody(preferenceUpdateSchema, req.body);
    res.json(await preferences.update(userOf(req), type, update));
  });

  router.get("/settings", async (req, res) => {
    res.json(await settings.get(userOf(req).userId));
  });

  router.put("/settings", requireJson, async (req, res) => {
    const { userId } = userOf(req);
    const update = parseBody(settingsUpdateSchema, req.body);
    if (update.webhookUrl && !isPermittedLiteralHost(update.webhookUrl, options.webhookAllowedHosts)) {
      const message = "must not point to a private, loopback or link-local address";
      throw new ApiError(400, "invalid_body", `invalid field(s): webhookUrl`, [{ path: "webhookUrl", message }]);
    }
    const { before, after, webhookSecret } = await settings.update(userId, update);
    const now = new Date();
    const wasDnd = isDndActive({ dndEnabled: before.dndEnabled, dndUntil: before.dndUntil ? new Date(before.dndUntil) : null }, now);
    const isDnd = isDndActive({ dndEnabled: after.dndEnabled, dndUntil: after.dndUntil ? new Date(after.dndUntil) : null }, now);
    // Switching DND off releases what it held at once, not at the next tick.
    if (wasDnd && !isDnd) await scheduler.add([{ kind: "release-dnd", userId }]);
    // Leaving digest mode sends what was waiting for the digest now.
    if (before.digestEnabled && !after.digestEnabled)
      await scheduler.add([{ kind: "send-digest", userId, periodEnd: now.toISOString(), flush: true }]);
    res.json({ ...after, ...(webhookSecret && { webhookSecret }) });
  });

  router.get("/digest", async (req, res) => {
    res.json(await previewDigest(db, userOf(req).userId));
  });

  return router;
}
