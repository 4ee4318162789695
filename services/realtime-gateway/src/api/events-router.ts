import { Router } from "express";
import { z } from "zod";
import { isEventTypeName, type EventTypeName } from "@herald/contract";
import { isoDateTime, plainText } from "@herald/contract/schemas";
import type { AuthConfig } from "@herald/auth";
import { requireUser, userOf } from "@herald/auth";
import type { Database } from "@herald/db";
import { eventHistory } from "./event-history";
import type { UserSync } from "../user-sync";
import { parseQuery } from "@herald/runtime";

const isoDate = isoDateTime.transform((v) => new Date(v));

const historyQuerySchema = z
  .object({
    type: z.string().refine(isEventTypeName, { message: "unknown event type" }).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    sourceType: plainText(64).optional(),
    sourceId: plainText(128).optional(),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, "must be a cursor returned by a previous page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: "from must be before to", path: ["from"] });

/** GET /api/v1/events: the event history the user may see, newest first. */
export function createEventsRouter(options: { auth: AuthConfig; db: Database; users: UserSync }): Router {
  const router = Router();
  router.get("/", requireUser(options.auth), async (req, res) => {
    const user = userOf(req);
    await options.users.ensure(user);
    const q = parseQuery(historyQuerySchema, req.query);
    res.json(
      await eventHistory(options.db, user, {
        type: q.type as EventTypeName | undefined,
        from: q.from,
        to: q.to,
        sourceType: q.sourceType,
        sourceId: q.sourceId,
        beforeSeq: q.cursor === undefined ? undefined : BigInt(q.cursor),
        limit: q.limit,
      }),
    );
  });
  return router;
}
