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
import { grantAllows, type PublishGrant, type ServicePrincipal } from "@herald/auth";
import type { Logger } from "@herald/runtime";
import { EventBusUnavailableError, type EventPublisher } from "./event-publisher";

export interface EventIntakeOptions {
  readonly publisher: EventPublisher;
  /** Cap on each event's serialized payload (INGEST_MAX_PAYLOAD_BYTES). */
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
}

/** Who publishes, and which types their token lets them publish. */
export interface Producer {
  readonly principal: ServicePrincipal;
  readonly grant: PublishGrant;
}

/**
 * Seconds a refused producer should wait (Retry-After on every 429): the
 * router drains thousands of events a second, so a second frees room; the
 * SDK waits at least this long and backs off further on its own.
 */
const BACKPRESSURE_RETRY_AFTER_SECONDS = 1;

/** A 429 (`backpressure`, `tenant_rate_limited`): answered with Retry-After. */
export class RetryLaterError extends ApiError {
  readonly retryAfterSeconds = BACKPRESSURE_RETRY_AFTER_SECONDS;
  constructor(code: "backpressure" | "tenant_rate_limited", message: string) {
    super(429, code, message);
  }
}

/** Who publishes, as stored: the owner of its events' ids, and the scope of its backlog share. */
const producerKey = (producer: ServicePrincipal) => tenantKey(producer.tenant, producer.subject);

/** How the events of a request are named in its errors: a single event by its field, a batch's by `events.<index>`. */
interface Places {
  /** Prefix of an event's issue paths; undefined for a single event. */
  readonly event?: (index: number) => string;
  /** The path of an event's id, for a 409. */
  readonly id: (index: number) => string;
}
const SINGLE: Places = { id: () => "id" };
const BATCH: Places = { event: (i) => `events.${i}`, id: (i) => `events.${i}.id` };

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
 * 403 unless the token may publish every event's type (a token scoped to
 * `events:publish:system.*` publishes system events only): a batch with one
 * such event enqueues nothing, and `details` names each one.
 */
function refuseUngrantedTypes(events: readonly HeraldEvent[], grant: PublishGrant, places: Places): void {
  if (grant.anyType) return;
  const refusedTypes = new Set<string>();
  const details: { path: string; message: string }[] = [];
  for (const [index, event] of events.entries()) {
    if (grantAllows(grant, event.type)) continue;
    refusedTypes.add(event.type);
    details.push({ path: places.event ? `${places.event(index)}.type` : "type", message: `this token may not publish ${event.type}` });
  }
  if (refusedTypes.size === 0) return;
  throw new ApiError(
    403,
    "forbidden",
    `this token may not publish ${[...refusedTypes].join(", ")} (only ${grant.typePatterns.join(", ")})`,
    details,
  );
}

/**
 * 403 tenant_forbidden unless every event is of the token's tenant: only a
 * platform producer (tenant `*`) names another; a batch with one such event
 * enqueues nothing, and `details` names each one.
 */
function refuseForeignTenants(events: readonly HeraldEvent[], producer: ServicePrincipal, places: Places): void {
  const details: { path: string; message: string }[] = [];
  for (const [index, event] of events.entries()) {
    if (eventTenant(producer.tenant, event.tenantId) === event.tenantId) continue;
    details.push({
      path: places.event ? `${places.event(index)}.tenantId` : "tenantId",
      message: `this token publishes for tenant ${producer.tenant} only`,
    });
  }
  if (details.length === 0) return;
  throw new ApiError(403, "tenant_forbidden", `this token may not publish events of another tenant than ${producer.tenant}`, details);
}

/**
 * What both publishing endpoints do with a request's events: validate them
 * (filling in ids and times, and the producer each stream entry records),
 * check what the token may publish, and append them to the event stream,
 * all of them or none. Throws the ApiError the request is answered with.
 */
export class EventIntake {
  constructor(private readonly options: EventIntakeOptions) {}

  /** POST /api/v1/events: the event's id. */
  async single(body: unknown, producer: Producer): Promise<string> {
    const [event] = await this.accept([body], producer, SINGLE);
    return event!.id;
  }

  /** POST /api/v1/events/batch: the events' ids, in order. */
  async batch(body: unknown, producer: Producer): Promise<string[]> {
    const events = await this.accept(batchInputs(body), producer, BATCH);
    return events.map((e) => e.id);
  }

  private async accept(inputs: readonly unknown[], producer: Producer, places: Places): Promise<HeraldEvent[]> {
    const { principal } = producer;
    const events = this.validateAll(inputs, principal, places);
    if (places !== SINGLE) checkBatchRecipients(events);
    refuseForeignTenants(events, principal, places);
    refuseUngrantedTypes(events, producer.grant, places);
    await this.enqueue(events, principal, places);
    return events;
  }

  private validateAll(inputs: readonly unknown[], principal: ServicePrincipal, places: Places): HeraldEvent[] {
    const now = new Date();
    const { maxPayloadBytes } = this.options;
    const producer = producerKey(principal);
    const tenant = principal.tenant;
    const events: HeraldEvent[] = [];
    for (let index = 0; index < inputs.length; index++) {
      const pathPrefix = places.event?.(index);
      const result = validateEvent(inputs[index], { now, producer, tenant, maxPayloadBytes, pathPrefix });
      if (!result.ok) {
        const message = result.code === "unknown_event_type" ? "unknown event type" : "event is invalid";
        throw new ApiError(400, result.code, pathPrefix ? `${pathPrefix}: ${message}` : message, result.issues);
      }
      events.push(result.event);
    }
    return events;
  }

  private async enqueue(events: HeraldEvent[], producer: ServicePrincipal, places: Places): Promise<void> {
    let outcome;
    try {
      outcome = await this.options.publisher.publish(events, producerKey(producer), producer.tenant);
    } catch (error) {
      if (!(error instanceof EventBusUnavailableError)) throw error;
      this.options.logger.warn({ err: error.message }, "publish failed: redis unavailable");
      throw new ApiError(503, "redis_unavailable", "the event bus is unavailable; retry later");
    }
    if (outcome.status === "backlog_full") {
      throw new RetryLaterError("backpressure", `the event backlog is full (${outcome.limit} unprocessed events); retry later`);
    }
    if (outcome.status === "share_full") {
      throw new RetryLaterError(
        "backpressure",
        `${outcome.scope} has ${outcome.held} unprocessed events, its share of the backlog is ${outcome.limit}; retry later`,
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
      throw new RetryLaterError(
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
        outcome.indices.map((i) => ({ path: places.id(i), message: "already used by another producer" })),
      );
    }
  }
}
