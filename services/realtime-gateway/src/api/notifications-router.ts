import { Router, type Request } from "express";
import { z } from "zod";
import { ACKNOWLEDGE_ACTION, alertOf, ApiError, EVENT_CATEGORIES, tenantKey } from "@herald/contract";
import { ACTION_ID_PATTERN, plainText } from "@herald/contract/schemas";
import type { AuthConfig } from "@herald/auth";
import { requireUser, userOf } from "@herald/auth";
import type { NotificationRepository } from "../notification-repository";
import { actionEvent } from "./action-event";
import type { ActionPublisher } from "./action-publisher";
import type { AlertAcknowledgements } from "../alert-acknowledgements";
import type { Explainer } from "./explain";
import type { UserSync } from "../user-sync";
import { parseQuery } from "@herald/runtime";

export interface NotificationsRouterOptions {
  readonly auth: AuthConfig;
  readonly repository: NotificationRepository;
  readonly users: UserSync;
  readonly explainer: Explainer;
  /** Bytes of items one page holds at most (always at least one item). */
  readonly pageMaxBytes: number;
  /** Tells every socket of the user, on every gateway, their new unread count. */
  readonly broadcastUnreadCount: (userId: string, count: number) => void;
  /** Puts notification.action events on the event stream. */
  readonly actions: ActionPublisher;
  readonly acknowledgements: AlertAcknowledgements;
  readonly now?: () => Date;
}

const explainQuerySchema = z
  .object({
    eventId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:@\/-]+$/, "must be an event id"),
    /** An admin may ask on behalf of a user of their own tenant (as the tenant names them): the admin panel's "Why". */
    userId: plainText(256).optional(),
  })
  .strict();

const booleanParam = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const listQuerySchema = z
  .object({
    unread_only: booleanParam.optional(),
    category: z.enum([...EVENT_CATEGORIES, "digest"]).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, "must be a cursor returned by a previous page")
      .optional(),
  })
  .strict();

function notificationId(req: Request): bigint {
  const raw = String(req.params.id);
  if (!/^\d{1,18}$/.test(raw)) throw new ApiError(400, "invalid_id", "notification id must be a positive integer");
  return BigInt(raw);
}

export function createNotificationsRouter(options: NotificationsRouterOptions): Router {
  const { repository, users, broadcastUnreadCount } = options;
  const router = Router();
  router.use(requireUser(options.auth), async (req, _res, next) => {
    await users.ensure(userOf(req));
    next();
  });

  router.get("/", async (req, res) => {
    const query = parseQuery(listQuerySchema, req.query);
    const page = await repository.list({
      userId: userOf(req).userId,
      unreadOnly: query.unread_only ?? false,
      category: query.category,
      limit: query.limit,
      maxBytes: options.pageMaxBytes,
      beforeId: query.cursor === undefined ? undefined : BigInt(query.cursor),
    });
    res.json(page);
  });

  router.get("/explain", async (req, res) => {
    const { eventId, userId } = parseQuery(explainQuerySchema, req.query);
    const caller = userOf(req);
    if (userId === undefined || userId === caller.subject) {
      res.json(await options.explainer.explain(caller, eventId));
      return;
    }
    if (caller.role !== "admin")
      throw new ApiError(403, "forbidden", "userId: only an admin may ask why another user did or did not get an event");
    // That user as their token would name them, in the admin's tenant only; their stored projects stand.
    res.json(
      await options.explainer.explain(
        { kind: "user", userId: tenantKey(caller.tenant, userId), subject: userId, tenant: caller.tenant, role: "user" },
        eventId,
      ),
    );
  });

  router.get("/unread-count", async (req, res) => {
    res.json({ count: await repository.unreadCount(userOf(req).userId) });
  });

  router.post("/read-all", async (req, res) => {
    const { userId } = userOf(req);
    await repository.markAllRead(userId);
    broadcastUnreadCount(userId, 0);
    res.status(204).end();
  });

  // Acting on a button: the event first (claimed by its id, so a repeat or a retry after a crash
  // publishes nothing more), then the notification is read.
  router.post("/:id/actions/:actionId", async (req, res) => {
    const user = userOf(req);
    const id = notificationId(req);
    const actionId = String(req.params.actionId);
    if (!ACTION_ID_PATTERN.test(actionId)) {
      throw new ApiError(400, "invalid_action", "action id must be 1 to 32 of a-z, 0-9, _ and -", [
        { path: "actionId", message: "must be 1 to 32 of a-z, 0-9, _ and -" },
      ]);
    }
    const notification = await repository.actionsOf(user.userId, id);
    if (!notification) throw new ApiError(404, "not_found", "no such notification");
    if (!notification.actions.some((a) => a.id === actionId)) throw new ApiError(404, "not_found", "the notification has no such action");
    const event = actionEvent({ id, eventId: notification.eventId }, actionId, user, (options.now ?? (() => new Date()))());
    if ((await options.actions.publish(event)) === "conflict") {
      throw new ApiError(409, "action_conflict", "another producer's event already has this action's id");
    }
    // Acknowledging a hardware alert silences its repeats for every admin of the tenant until it resolves or escalates.
    const alert = actionId === ACKNOWLEDGE_ACTION.id ? alertOf(notification.type, notification.payload) : undefined;
    if (alert && user.role === "admin") await options.acknowledgements.acknowledge(user.tenant, alert, user.subject);
    await repository.markRead(user.userId, id);
    broadcastUnreadCount(user.userId, await repository.unreadCount(user.userId));
    res.status(202).json({ status: "accepted", eventId: event.id });
  });

  router.post("/:id/read", async (req, res) => {
    const { userId } = userOf(req);
    if (!(await repository.markRead(userId, notificationId(req)))) {
      throw new ApiError(404, "not_found", "no such notification");
    }
    broadcastUnreadCount(userId, await repository.unreadCount(userId));
    res.status(204).end();
  });

  return router;
}
