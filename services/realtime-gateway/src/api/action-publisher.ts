import type { HeraldEvent } from "@herald/contract";
import type { RedisClient, RedisNames } from "@herald/runtime";

/**
 * Claims the event's id (its idempotency key, as ingest's publish script
 * does, with this producer as its owner) and appends the event to the stream
 * in the same entry format, atomically: a repeat, or an id another producer
 * holds, appends nothing. The stream and the key share the `{events}` hash
 * tag, so this runs on a Redis Cluster too.
 * KEYS: [stream, idempotencyKey]; ARGV: [producer, ttlSeconds, json].
 */
const APPEND_ONCE = `
local owner = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'GET', 'EX', ARGV[2])
if not owner then
  redis.call('XADD', KEYS[1], '*', 'event', ARGV[3])
  return 'appended'
end
if owner == ARGV[1] or owner == '1' then return 'repeat' end
return 'conflict'
`;

type RedisWithAppend = RedisClient & {
  heraldAppendOnce(stream: string, key: string, producer: string, ttl: number, json: string): Promise<string>;
};

export type AppendOutcome = "appended" | "repeat" | "conflict";

/**
 * Puts the events the gateway publishes itself (notification.action) on the
 * event stream, once per event id, the way ingest does for producers: the
 * router stores them and subscriptions receive them.
 */
export class ActionPublisher {
  private readonly redis: RedisWithAppend;

  constructor(
    redis: RedisClient,
    private readonly names: RedisNames,
    private readonly idempotencyTtlSeconds: number,
  ) {
    redis.defineCommand("heraldAppendOnce", { numberOfKeys: 2, lua: APPEND_ONCE });
    this.redis = redis as RedisWithAppend;
  }

  async publish(event: HeraldEvent & { readonly producer: string }): Promise<AppendOutcome> {
    const outcome = await this.redis.heraldAppendOnce(
      this.names.eventStream,
      this.names.idempotencyKeyPrefix + event.id,
      event.producer,
      this.idempotencyTtlSeconds,
      JSON.stringify(event),
    );
    return outcome as AppendOutcome;
  }
}
