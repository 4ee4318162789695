import type { RedisClient } from "@herald/runtime";
import { DEFAULT_TENANT, PLATFORM_TENANT, getEventType, splitTenantKey, type HeraldEvent } from "@herald/contract";
import { ROUTER_CONSUMER_GROUP, type RedisNames } from "@herald/runtime";
import { PUBLISH_SCRIPT } from "./publish-script";

/** How much of the backlog a request may use. */
export interface BacklogPolicy {
  /** Unprocessed entries past which non-critical events are refused. */
  readonly maxBacklog: number;
  /** How far past maxBacklog a request of critical events only is still admitted. */
  readonly criticalHeadroom: number;
  /** Share of the applicable limit one producer's unprocessed events may take, in percent. */
  readonly producerSharePercent: number;
  /** Events per second one tenant may publish; 0: unlimited. */
  readonly tenantEventsPerSecond: number;
  /** How far past it, per second, a request of critical events only is still admitted. */
  readonly tenantCriticalHeadroom: number;
}

export interface EventPublisherOptions {
  readonly names: RedisNames;
  readonly backlog: BacklogPolicy;
  readonly idempotencyTtlSeconds: number;
}

/** Redis refused or did not answer: the request may pass later. */
export class EventBusUnavailableError extends Error {
  override readonly name = "EventBusUnavailableError";
}

export type PublishOutcome =
  | { readonly status: "accepted"; readonly added: number }
  | { readonly status: "backlog_full"; readonly limit: number }
  /** The producer's share of the backlog is used up. */
  | { readonly status: "share_full"; readonly scope: string; readonly held: number; readonly limit: number }
  /** Events (by their index in the request) whose ids another producer used first. */
  | { readonly status: "id_conflict"; readonly indices: readonly number[] }
  /** The tenant has published its TENANT_MAX_EVENTS_PER_SECOND this second. */
  | { readonly status: "tenant_rate_limited"; readonly tenant: string; readonly limit: number }
  /** More events in one request than the tenant may publish in a second: it could never pass. */
  | { readonly status: "over_tenant_rate"; readonly tenant: string; readonly limit: number };

type ScriptReply = [status: string, ...values: number[]];

type RedisWithPublish = RedisClient & {
  /** numKeys, the keys, then the arguments. */
  heraldPublish(...command: (string | number)[]): Promise<ScriptReply>;
};

/**
 * Appends events to the event stream, atomically and idempotently: one Lua
 * script (publish-script.ts) checks every id, then the backlog, then XADDs
 * the new events, so a request either enqueues all of its new events or
 * nothing at all.
 *
 * An event id is its producer's: each idempotency key holds the producer
 * that used the id first (for the TTL). The same producer publishing it
 * again is a repeat, accepted and skipped; another producer's event with
 * that id is refused (`id_conflict`), since events are stored under their
 * id and its event would be dropped as a repeat. Keys written before ids had
 * owners hold "1" and count as anyone's repeat.
 *
 * Back-pressure has two parts. The backlog (XLEN: what the router has not
 * trimmed yet) may not pass `limit`, which is higher for critical events.
 * And each share scope (today the producer; a tenant later) may hold at most
 * its own limit of unprocessed events, so that one producer cannot fill the
 * backlog for all.
 */
export class EventPublisher {
  private readonly redis: RedisWithPublish;

  constructor(
    redis: RedisClient,
    private readonly options: EventPublisherOptions,
  ) {
    redis.defineCommand("heraldPublish", { lua: PUBLISH_SCRIPT });
    this.redis = redis as RedisWithPublish;
  }

  /**
   * `producer` is the publishing token's `tenantKey(tenant, sub)`: the owner of
   * the events' ids and the scope of its share.
   */
  async publish(events: readonly HeraldEvent[], producer: string, tenant: string): Promise<PublishOutcome> {
    const { names, backlog, idempotencyTtlSeconds } = this.options;
    // Critical alerts still get in past a full backlog, up to a hard limit, and every share grows with it.
    const critical = events.every((e) => getEventType(e.type).critical);
    const limit = backlog.maxBacklog + (critical ? backlog.criticalHeadroom : 0);
    // Per-tenant shares will be one more scope here, judged in the same script.
    const scopes = [
      { name: producerName(producer), key: `${names.backlogSharePrefix}producer:${producer}`, limit: shareOf(limit, backlog) },
    ];
    // A fixed one-second window per tenant (ingest's clock: replicas a few ms apart only shift it).
    const rateLimit =
      tenant === PLATFORM_TENANT || backlog.tenantEventsPerSecond === 0
        ? 0
        : backlog.tenantEventsPerSecond + (critical ? backlog.tenantCriticalHeadroom : 0);
    if (rateLimit > 0 && events.length > rateLimit) return { status: "over_tenant_rate", tenant, limit: rateLimit };
    // One array, keys then arguments (see publish-script.ts), built in place: a batch has a thousand of each.
    const command: (string | number)[] = [0, names.eventStream, `${names.tenantRatePrefix}${tenant}:${Math.floor(Date.now() / 1000)}`];
    for (const s of scopes) command.push(s.key, `${s.key}:count`);
    for (const e of events) command.push(names.idempotencyKeyPrefix + e.id);
    command[0] = command.length - 1;
    command.push(idempotencyTtlSeconds, producer, ROUTER_CONSUMER_GROUP, limit, scopes.length, rateLimit);
    for (const s of scopes) command.push(s.limit);
    // Serialized before Redis is asked, so that a failure here is not mistaken for Redis being down.
    for (const e of events) command.push(JSON.stringify(e));
    let reply: ScriptReply;
    try {
      reply = await this.redis.heraldPublish(...command);
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message, { cause: error });
    }
    const [status, ...values] = reply;
    switch (status) {
      case "id_conflict":
        return { status, indices: values.map((i) => i - 1) };
      case "backlog_full":
        return { status, limit };
      case "tenant_rate_limited":
        return { status, tenant, limit: rateLimit };
      case "share_full": {
        const scope = scopes[(values[0] ?? 1) - 1]!;
        return { status, scope: scope.name, held: values[1] ?? 0, limit: scope.limit };
      }
      default:
        return { status: "accepted", added: values[0] ?? 0 };
    }
  }
}

/** One share of a backlog limit: never 0, so that a small backlog still admits every producer. */
function shareOf(limit: number, backlog: BacklogPolicy): number {
  return Math.max(1, Math.floor((limit * backlog.producerSharePercent) / 100));
}

/** How a 429 names a producer: `producer ci`, or `producer ci of tenant acme`. */
function producerName(producer: string): string {
  const { tenant, id } = splitTenantKey(producer);
  return tenant === DEFAULT_TENANT ? `producer ${id}` : `producer ${id} of tenant ${tenant}`;
}
