import express, { Router } from "express";
import { parseUserId, userProvisionSchema } from "./admin-requests";
import type { UserProvisioning } from "./user-provisioning";
import { parseBody, requireJson } from "@herald/runtime";
import { userOf } from "@herald/auth";

/** PUT /users/:id: provision a user of the admin's own tenant ahead of their first login. Admin auth is the caller's. */
export function createAdminUsersRouter(options: { readonly users: UserProvisioning }): Router {
  const router = Router();
  router.put("/users/:id", requireJson, express.json({ limit: "64kb", strict: false }), async (req, res) => {
    const id = parseUserId(String(req.params.id));
    const fields = parseBody(userProvisionSchema, req.body);
    res.json(await options.users.provision(userOf(req).tenant, id, fields));
  });
  return router;
}
