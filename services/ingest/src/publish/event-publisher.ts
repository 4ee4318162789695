import type { Redis } from "ioredis";
import { getEventType, type HeraldEvent } from "@herald/contract";
import { ROUTER_CONSUMER_GROUP, type RedisNames } from "@herald/runtime";

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
 * owners hold "1" and count as anyone's repeat. (Needs Redis 7: SET NX GET.)
 *
 * Back-pressure has two parts. The backlog (XLEN: what the router has not
 * trimmed yet) may not pass `limit`, which the caller raises for critical
 * events. And each share scope (today the producer; a tenant later) may hold
 * at most its own limit of unprocessed events, so that one producer cannot
 * fill the backlog for all. A scope is a list of "<last stream id> <count>",
 * one per accepted request, and a counter of their sum; entries the router
 * is done with (before its oldest pending entry, or up to the last it was
 * given when none is pending) are popped before the scope is refused, so
 * the common case costs a few O(1) commands.
 *
 * KEYS: [stream, scopeList1, scopeCount1, …, idemKey1..idemKeyN]
 * ARGV: [ttlSeconds, producer, routerGroup, limit, scopeCount, scopeLimit1…, json1..jsonN]
 * Returns {'accepted', added}, {'id_conflict', index1, …} (1-based), {'backlog_full'}
 * or {'share_full', scope (1-based), held}.
 */
const PUBLISH_SCRIPT = `
local stream = KEYS[1]
local ttl, producer, group = ARGV[1], ARGV[2], ARGV[3]
local limit, scopes = tonumber(ARGV[4]), tonumber(ARGV[5])
local firstIdem, firstJson = 2 + 2 * scopes, 6 + scopes

-- Each id is claimed as it is checked (one command per event); a refusal gives the claims back.
local fresh, conflicts = {}, {}
for i = 1, #KEYS - firstIdem + 1 do
  local owner = redis.call('SET', KEYS[firstIdem + i - 1], producer, 'NX', 'GET', 'EX', ttl)
  if not owner then
    fresh[#fresh + 1] = i
  elseif owner ~= producer and owner ~= '1' then
    conflicts[#conflicts + 1] = i
  end
end
local function refuse(reply)
  for _, i in ipairs(fresh) do redis.call('DEL', KEYS[firstIdem + i - 1]) end
  return reply
end
if #conflicts > 0 then
  return refuse({'id_conflict', unpack(conflicts)})
end
local n = #fresh
if n == 0 then
  return {'accepted', 0}
end
if redis.call('XLEN', stream) + n > limit then
  return refuse({'backlog_full'})
end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
-- What the router is done with, looked up only when a scope is judged.
local known, exists, lastDelivered, oldestPending = false
local function done(id)
  if not known then
    known = true
    exists = redis.call('EXISTS', stream) == 1
    if exists then
      for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
        for j = 1, #info, 2 do
          if info[j] == 'name' and info[j + 1] ~= group then break end
          if info[j] == 'last-delivered-id' then lastDelivered = info[j + 1] end
        end
      end
      if lastDelivered then
        local pending = redis.call('XPENDING', stream, group)
        if pending[1] > 0 then oldestPending = pending[2] end
      end
    end
  end
  if not exists then return true end
  if not lastDelivered then return false end
  if oldestPending then return before(id, oldestPending) end
  return not before(lastDelivered, id)
end
local held, trimmed = {}, {}
for s = 1, scopes do
  local list, counter, cap = KEYS[2 * s], KEYS[2 * s + 1], tonumber(ARGV[5 + s])
  held[s] = tonumber(redis.call('GET', counter) or '0')
  -- The count only overstates what is unprocessed, so it is corrected when it would refuse, and
  -- about every 256 events besides, which keeps the list short while the router keeps up.
  if held[s] + n > cap or math.floor((held[s] + n) / 256) > math.floor(held[s] / 256) then
    trimmed[s] = true
    while true do
      local head = redis.call('LINDEX', list, 0)
      -- An empty (or expired) list holds nothing unprocessed, whatever the count said.
      if not head then held[s] = 0 break end
      local space = string.find(head, ' ', 1, true)
      if not done(string.sub(head, 1, space - 1)) then break end
      redis.call('LPOP', list)
      held[s] = held[s] - tonumber(string.sub(head, space + 1))
    end
    if held[s] + n > cap then
      return refuse({'share_full', s, held[s]})
    end
  end
end

local last
for _, i in ipairs(fresh) do
  last = redis.call('XADD', stream, '*', 'event', ARGV[firstJson + i - 1])
end
for s = 1, scopes do
  -- The list's lifetime is renewed when it is new or trimmed: a list untouched by either for a TTL
  -- belongs to a producer that sent fewer than ~256 events in that time, and is forgotten with them.
  if redis.call('RPUSH', KEYS[2 * s], last .. ' ' .. n) == 1 or trimmed[s] then
    redis.call('EXPIRE', KEYS[2 * s], ttl)
  end
  redis.call('SET', KEYS[2 * s + 1], held[s] + n, 'EX', ttl)
end
return {'accepted', n}
`;

/** How much of the backlog a request may use. */
export interface BacklogPolicy {
  /** Unprocessed entries past which non-critical events are refused. */
  readonly maxBacklog: number;
  /** How far past maxBacklog a request of critical events only is still admitted. */
  readonly criticalHeadroom: number;
  /** Share of the applicable limit one producer's unprocessed events may take, in percent. */
  readonly producerSharePercent: number;
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

  /** `producer` is the `sub` of the token that publishes: the owner of the events' ids and the scope of its share. */
  async publish(events: readonly HeraldEvent[], producer: string): Promise<PublishOutcome> {
    const { names, backlog, idempotencyTtlSeconds } = this.options;
    // Critical alerts still get in past a full backlog, up to a hard limit, and every share grows with it.
    const critical = events.every((e) => getEventType(e.type).critical);
    const limit = backlog.maxBacklog + (critical ? backlog.criticalHeadroom : 0);
    // Per-tenant shares will be one more scope here, judged in the same script.
    const scopes = [
      { name: `producer ${producer}`, key: `${names.backlogSharePrefix}producer:${producer}`, limit: shareOf(limit, backlog) },
    ];
    const keys = [
      names.eventStream,
      ...scopes.flatMap((s) => [s.key, `${s.key}:count`]),
      ...events.map((e) => names.idempotencyKeyPrefix + e.id),
    ];
    // Serialized before Redis is asked, so that a failure here is not mistaken for Redis being down.
    const args = [
      idempotencyTtlSeconds,
      producer,
      ROUTER_CONSUMER_GROUP,
      limit,
      scopes.length,
      ...scopes.map((s) => s.limit),
      ...events.map((e) => JSON.stringify(e)),
    ];
    let reply: ScriptReply;
    try {
      reply = await this.redis.heraldPublish(keys.length, ...keys, ...args);
    } catch (error) {
      throw new EventBusUnavailableError((error as Error).message, { cause: error });
    }
    const [status, ...values] = reply;
    switch (status) {
      case "id_conflict":
        return { status, indices: values.map((i) => i - 1) };
      case "backlog_full":
        return { status, limit };
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
