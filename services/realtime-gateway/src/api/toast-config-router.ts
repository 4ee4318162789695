import { Router } from "express";
import type { ToastConfig } from "@herald/contract";

/**
 * GET /toast-config: how long the web UI keeps each category's toasts up.
 * Public (no token): it is the same for every user and the UI may want it
 * before signing in.
 */
export function createToastConfigRouter(toast: ToastConfig): Router {
  const router = Router();
  router.get("/toast-config", (_req, res) => {
    res.json(toast);
  });
  return router;
}
