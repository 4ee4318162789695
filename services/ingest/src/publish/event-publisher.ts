import type { Redis } from "ioredis";
import type { HeraldEvent } from "@herald/contract";
import type { RedisNames } from "@herald/runtime";

/**
 * Appends events to the event stream, atomically and idempotently: one Lua
 * script checks the backlog, skips ids already published (SET NX with a TTL)
 * and XADDs the rest, so a request either enqueues all of its new events or
 * nothing at all.
 *
 * KEYS: [stream, idemKey1..idemKeyN]   ARGV: [maxBacklog, ttlSeconds, json1..jsonN]
 * Returns the number of events added, or -1 when the backlog is full.
 */
const PUBLISH_SCRIPT = `
local backlog = redis.call('XLEN', KEYS[1])
local count = #KEYS - 1
if backlog + count > tonumber(ARGV[1]) then
  return -1
end
local added = 0
for i = 1, count do
  if redis.call('SET', KEYS[i + 1], '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[1], '*', 'event', ARGV[i + 2])
    added = added + 1
  end
end
return added
`;

export interface EventPublisherOptions {
  readonly names: RedisNames;
  /** Unprocessed entries above which publishing is refused (back-pressure). */
  readonly maxBacklog: number;
  readonly idempotencyTtlSeconds: number;
}

/** Redis refused or did not answer: the request may pass later. */
export class EventBusUnavailableError extends Error {
  override readonly name = "EventBusUnavailableError";
}

export type PublishOutcome = { readonly status: "accepted"; readonly added: number } | { readonly status: "backlog_full" };

type RedisWithPublish = Redis & {
  heraldPublish(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export class EventPublisher {
  private readonly redis: RedisWithPublish;

  constructor(
    redis: Redis,
    private readonly options: EventPublisherOptions,
  ) {
    redis.defineCommand("heraldPublish", { lua: PUBLISH_SCRIPT });
    this.redis = redis as RedisWithPublish;
  }

  async publish(events: readonly HeraldEvent[]): Promise<PublishOutcome> {
    const { names, maxBacklog, idempotencyTtlSeconds } = this.options;
    const keys = [names.eventStream, ...events.map((e) => names.idempotencyKeyPrefix + e.id)];
    // Serialized before Redis is asked, so that a failure here is not mistaken for Redis being down.
    const args = [maxBacklog, idempotencyTtlSeconds, ...events.map((e) => JSON.stringify(e))];
    let added: number;
    try {
      added = await this.redis.heraldPublish(keys.length, ...keys, ...args);
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message, { cause: error });
    }
    return added < 0 ? { status: "backlog_full" } : { status: "accepted", added };
  }
}
