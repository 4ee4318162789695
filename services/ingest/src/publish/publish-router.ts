import express, { Router, type Response } from "express";
import {
  ApiError,
  MAX_BATCH_EVENTS,
  MAX_BATCH_RECIPIENTS,
  eventTenant,
  namedRecipients,
  tenantKey,
  type HeraldEvent,
} from "@herald/contract";
import { validateEvent } from "@herald/contract/schemas";
import type { AuthConfig } from "@herald/auth";
import { grantAllows, publishGrant, requirePublisher, serviceOf, type ServicePrincipal } from "@herald/auth";
import { requireJson, type Logger } from "@herald/runtime";
import { EventBusUnavailableError, type EventPublisher } from "./event-publisher";

export interface PublishRouterOptions {
  readonly auth: AuthConfig;
  readonly publisher: EventPublisher;
  readonly maxBodyBytes: number;
  /** Cap on each event's serialized payload (INGEST_MAX_PAYLOAD_BYTES). */
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
}

/** Who publishes: the owner of its events' ids, and the scope of its backlog share. */
const producerKey = (producer: ServicePrincipal) => tenantKey(producer.tenant, producer.subject);

function validateAll(
  inputs: readonly unknown[],
  producer: ServicePrincipal,
  maxPayloadBytes: number,
  prefix?: (index: number) => string,
): HeraldEvent[] {
  const now = new Date();
  const events: HeraldEvent[] = [];
  const context = { now, producer: producerKey(producer), tenant: producer.tenant, maxPayloadBytes };
  for (const [index, input] of inputs.entries()) {
    const result = validateEvent(input, { ...context, pathPrefix: prefix?.(index) });
    if (!result.ok) {
      const message = result.code === "unknown_event_type" ? "unknown event type" : "event is invalid";
      throw new ApiError(400, result.code, prefix ? `${prefix(index)}: ${message}` : message, result.issues);
    }
    events.push(result.event);
  }
  return events;
}

/**
 * 403 unless the token may publish every event's type (a token scoped to
 * `events:publish:system.*` publishes system events only): a batch with one
 * such event enqueues nothing, and `details` names each one.
 */
function refuseUngrantedTypes(events: readonly HeraldEvent[], producer: ServicePrincipal, prefix?: (index: number) => string): void {
  // requirePublisher let the token in, so it grants something.
  const grant = publishGrant(producer.scopes) ?? { anyType: false, typePatterns: [] };
  const refusedTypes = new Set<string>();
  const details: { path: string; message: string }[] = [];
  for (const [index, event] of events.entries()) {
    if (grantAllows(grant, event.type)) continue;
    refusedTypes.add(event.type);
    details.push({ path: prefix ? `${prefix(index)}.type` : "type", message: `this token may not publish ${event.type}` });
  }
  if (refusedTypes.size === 0) return;
  const allowed = grant.anyType ? "" : ` (only ${grant.typePatterns.join(", ")})`;
  throw new ApiError(403, "forbidden", `this token may not publish ${[...refusedTypes].join(", ")}${allowed}`, details);
}

/**
 * 403 tenant_forbidden unless every event is of the token's tenant: only a
 * platform producer (tenant `*`) names another; a batch with one such event
 * enqueues nothing, and `details` names each one.
 */
function refuseForeignTenants(events: readonly HeraldEvent[], producer: ServicePrincipal, prefix?: (index: number) => string): void {
  const details: { path: string; message: string }[] = [];
  for (const [index, event] of events.entries()) {
    if (eventTenant(producer.tenant, event.tenantId) === event.tenantId) continue;
    details.push({
      path: prefix ? `${prefix(index)}.tenantId` : "tenantId",
      message: `this token publishes for tenant ${producer.tenant} only`,
    });
  }
  if (details.length === 0) return;
  throw new ApiError(403, "tenant_forbidden", `this token may not publish events of another tenant than ${producer.tenant}`, details);
}

function batchInputs(body: unknown): unknown[] {
  const events = (body as { events?: unknown } | null)?.events;
  if (typeof body !== "object" || body === null || Array.isArray(body) || !Array.isArray(events)) {
    throw new ApiError(400, "invalid_batch", 'body must be an object with an "events" array');
  }
  const extra = Object.keys(body).filter((k) => k !== "events");
  if (extra.length > 0) throw new ApiError(400, "invalid_batch", `unknown field(s): ${extra.join(", ")}`);
  if (events.length === 0) throw new ApiError(400, "invalid_batch", "events must not be empty");
  if (events.length > MAX_BATCH_EVENTS) {
    throw new ApiError(413, "batch_too_large", `a batch holds at most ${MAX_BATCH_EVENTS} events, got ${events.length}`);
  }
  return events;
}

/** Each recipient a batch names may become a `users` row: one request may not create them without bound. */
function checkBatchRecipients(events: readonly HeraldEvent[]): void {
  const recipients = new Set<string>();
  for (const event of events) for (const id of namedRecipients(event)) recipients.add(id);
  if (recipients.size > MAX_BATCH_RECIPIENTS) {
    throw new ApiError(
      413,
      "batch_too_large",
      `a batch may name at most ${MAX_BATCH_RECIPIENTS} distinct recipients, got ${recipients.size}; split it`,
    );
  }
}

/**
 * Seconds a refused producer should wait (Retry-After on every 429): the
 * router drains thousands of events a second, so a second frees room; the
 * SDK waits at least this long and backs off further on its own.
 */
const BACKPRESSURE_RETRY_AFTER_SECONDS = 1;

export function createPublishRouter(options: PublishRouterOptions): Router {
  const { publisher, logger, maxPayloadBytes } = options;
  const router = Router();
  router.use(requirePublisher(options.auth), requireJson, express.json({ limit: options.maxBodyBytes, strict: false }));

  /** `where` names an event in a batch (`events.3`) for the 409's details. */
  const enqueue = async (
    res: Response,
    events: HeraldEvent[],
    producer: ServicePrincipal,
    where: (index: number) => string,
  ): Promise<void> => {
    let outcome;
    try {
      outcome = await publisher.publish(events, producerKey(producer), producer.tenant);
    } catch (error) {
      if (!(error instanceof EventBusUnavailableError)) throw error;
      logger.warn({ err: error.message }, "publish failed: redis unavailable");
      throw new ApiError(503, "redis_unavailable", "the event bus is unavailable; retry later");
    }
    if (outcome.status === "backlog_full" || outcome.status === "share_full") {
      res.set("Retry-After", String(BACKPRESSURE_RETRY_AFTER_SECONDS));
      throw new ApiError(
        429,
        "backpressure",
        outcome.status === "backlog_full"
          ? `the event backlog is full (${outcome.limit} unprocessed events); retry later`
          : `${outcome.scope} has ${outcome.held} unprocessed events, its share of the backlog is ${outcome.limit}; retry later`,
      );
    }
    if (outcome.status === "over_tenant_rate") {
      throw new ApiError(
        413,
        "batch_too_large",
        `tenant ${outcome.tenant} publishes at most ${outcome.limit} events per second: a batch of ${events.length} never fits; split it`,
      );
    }
    if (outcome.status === "tenant_rate_limited") {
      res.set("Retry-After", "1");
      throw new ApiError(
        429,
        "tenant_rate_limited",
        `tenant ${outcome.tenant} publishes at most ${outcome.limit} events per second; retry in a second`,
      );
    }
    if (outcome.status === "id_conflict") {
      const ids = outcome.indices.map((i) => events[i]!.id);
      throw new ApiError(
        409,
        "id_conflict",
        `event id(s) already used by another producer: ${ids.join(", ")}; give your events ids of your own`,
        outcome.indices.map((i) => ({ path: where(i), message: "already used by another producer" })),
      );
    }
  };

  router.post("/", async (req, res) => {
    const producer = serviceOf(req);
    const [event] = validateAll([req.body], producer, maxPayloadBytes);
    refuseForeignTenants([event!], producer);
    refuseUngrantedTypes([event!], producer);
    await enqueue(res, [event!], producer, () => "id");
    res.status(202).json({ id: event!.id, status: "accepted" });
  });

  router.post("/batch", async (req, res) => {
    const producer = serviceOf(req);
    const prefix = (i: number) => `events.${i}`;
    const events = validateAll(batchInputs(req.body), producer, maxPayloadBytes, prefix);
    checkBatchRecipients(events);
    refuseForeignTenants(events, producer, prefix);
    refuseUngrantedTypes(events, producer, prefix);
    await enqueue(res, events, producer, (i) => `events.${i}.id`);
    res.status(202).json({ ids: events.map((e) => e.id), status: "accepted" });
  });

  return router;
}
