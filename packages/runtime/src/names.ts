import { eventStreamKey } from "@herald/contract";

/**
 * Redis key, stream, consumer-group and Socket.IO room names. Every process
 * derives them from one namespace so that several Herald installations (or
 * parallel test runs) can share a Redis without seeing each other's traffic.
 *
 * Stream keys share the `{events}` hash tag so that the publish script, which
 * touches the stream and the idempotency keys atomically, stays on one slot
 * of a Redis Cluster.
 */
export interface RedisNames {
  readonly eventStream: string;
  readonly deadLetterStream: string;
  readonly idempotencyKeyPrefix: string;
  /** Per producer: its unprocessed events, for its share of the backlog. */
  readonly backlogSharePrefix: string;
  /** Per tenant and second: events admitted, for TENANT_MAX_EVENTS_PER_SECOND. */
  readonly tenantRatePrefix: string;
  readonly socketIoKey: string;
  /** Bumped whenever a user's role, projects, preferences or settings change; routers drop their caches when it moves. */
  readonly recipientVersionKey: string;
  /** Bumped whenever a webhook subscription is created, changed or deleted; routers reload their subscription index when it moves. */
  readonly subscriptionVersionKey: string;
  /** BullMQ key prefix: every queue of this installation lives under it, hash-tagged (one cluster slot). */
  readonly queuePrefix: string;
  /** Operator dashboard sessions, one key per session (named by a hash of its cookie's id). */
  readonly adminSessionKeyPrefix: string;
}

/** BullMQ queue names (under RedisNames.queuePrefix). */
export const QUEUES = {
  /** Digest and DND-release jobs, run by the digest-scheduler. */
  scheduler: "scheduler",
  /** One job per webhook delivery, run by the delivery-worker. */
  webhook: "deliveries-webhook",
  /** One job per email delivery, run by the delivery-worker. */
  email: "deliveries-email",
} as const;

export const ROUTER_CONSUMER_GROUP = "router";

export function redisNames(namespace: string): RedisNames {
  return {
    eventStream: eventStreamKey(namespace),
    deadLetterStream: `${namespace}:{events}:dead`,
    idempotencyKeyPrefix: `${namespace}:{events}:idem:`,
    backlogSharePrefix: `${namespace}:{events}:share:`,
    tenantRatePrefix: `${namespace}:{events}:tenant-rate:`,
    socketIoKey: `${namespace}:socket.io`,
    recipientVersionKey: `${namespace}:recipients:version`,
    subscriptionVersionKey: `${namespace}:subscriptions:version`,
    // BullMQ's scripts touch several keys of a queue at once: the tag puts all of an installation's queues on one slot.
    queuePrefix: `${namespace}:{${namespace}:bull}`,
    adminSessionKeyPrefix: `${namespace}:admin-session:`,
  };
}

export function userRoom(userId: string): string {
  return `user:${userId}`;
}
