import type { Redis } from "ioredis";
import type { HeraldEvent } from "@herald/contract";
import type { RedisNames } from "@herald/runtime";

/**
 * Appends events to the event stream, atomically and idempotently: one Lua
 * script checks every id, then the backlog, then XADDs the new events, so a
 * request either enqueues all of its new events or nothing at all.
 *
 * An event id is its producer's: each idempotency key holds the producer
 * that used the id first (for the TTL). The same producer publishing it
 * again is a repeat, accepted and skipped; another producer's event with
 * that id is refused (`id_conflict`), since events are stored under their
 * id and its event would be dropped as a repeat. Keys written before ids had
 * owners hold "1" and count as anyone's repeat.
 *
 * KEYS: [stream, idemKey1..idemKeyN]   ARGV: [maxBacklog, ttlSeconds, producer, json1..jsonN]
 * Returns {'accepted', added}, {'id_conflict', index1, …} (1-based) or {'backlog_full'}.
 */
const PUBLISH_SCRIPT = `
local count = #KEYS - 1
local producer = ARGV[3]
local fresh, conflicts, seen = {}, {}, {}
for i = 1, count do
  local key = KEYS[i + 1]
  local owner = redis.call('GET', key)
  if owner then
    if owner ~= producer and owner ~= '1' then conflicts[#conflicts + 1] = i end
  elseif not seen[key] then
    seen[key] = true
    fresh[#fresh + 1] = i
  end
end
if #conflicts > 0 then
  return {'id_conflict', unpack(conflicts)}
end
if redis.call('XLEN', KEYS[1]) + #fresh > tonumber(ARGV[1]) then
  return {'backlog_full'}
end
for _, i in ipairs(fresh) do
  redis.call('SET', KEYS[i + 1], producer, 'EX', ARGV[2])
  redis.call('XADD', KEYS[1], '*', 'event', ARGV[i + 3])
end
return {'accepted', #fresh}
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

export type PublishOutcome =
  | { readonly status: "accepted"; readonly added: number }
  | { readonly status: "backlog_full" }
  /** Events (by their index in the request) whose ids another producer used first. */
  | { readonly status: "id_conflict"; readonly indices: readonly number[] };

type ScriptReply = [status: string, ...values: number[]];

type RedisWithPublish = Redis & {
  heraldPublish(numKeys: number, ...args: (string | number)[]): Promise<ScriptReply>;
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

  /** `producer` is the `sub` of the token that publishes: the owner of the events' ids. */
  async publish(events: readonly HeraldEvent[], producer: string): Promise<PublishOutcome> {
    const { names, maxBacklog, idempotencyTtlSeconds } = this.options;
    const keys = [names.eventStream, ...events.map((e) => names.idempotencyKeyPrefix + e.id)];
    // Serialized before Redis is asked, so that a failure here is not mistaken for Redis being down.
    const args = [maxBacklog, idempotencyTtlSeconds, producer, ...events.map((e) => JSON.stringify(e))];
    let reply: ScriptReply;
    try {
      reply = await this.redis.heraldPublish(keys.length, ...keys, ...args);
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message, { cause: error });
    }
    const [status, ...values] = reply;
    if (status === "id_conflict") return { status, indices: values.map((i) => i - 1) };
    if (status === "backlog_full") return { status };
    return { status: "accepted", added: values[0] ?? 0 };
  }
}
