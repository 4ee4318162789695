/**
 * The Lua script behind EventPublisher, run atomically by Redis.
 *
 * KEYS: [stream, tenantRate, scopeList1, scopeCount1, …, idemKey1..idemKeyN]
 * ARGV: [ttlSeconds, producer, routerGroup, limit, scopeCount, tenantRateLimit (0: none), scopeLimit1…, json1..jsonN]
 * Returns {'accepted', added}, {'id_conflict', index1, …} (1-based), {'backlog_full'},
 * {'tenant_rate_limited'} or {'share_full', scope (1-based), held}.
 *
 * A share scope is a list of "<last stream id> <count>", one per accepted
 * request, and a counter of their sum; entries the router is done with
 * (before its oldest pending entry, or up to the last it was given when none
 * is pending) are popped before the scope is refused, so the common case
 * costs a few O(1) commands. The backlog judged against the limit is the
 * router's (its group's lag and pending entries), not the stream's length:
 * `@herald/sdk` subscribers' groups keep entries the router is done with.
 * Needs Redis 7 (SET NX GET, XINFO GROUPS lag).
 */
export const PUBLISH_SCRIPT = `
local stream, rateKey = KEYS[1], KEYS[2]
local ttl, producer, group = ARGV[1], ARGV[2], ARGV[3]
local limit, scopes, rateLimit = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local firstIdem, firstJson = 3 + 2 * scopes, 7 + scopes

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
if rateLimit > 0 and tonumber(redis.call('GET', rateKey) or '0') + n > rateLimit then
  return refuse({'tenant_rate_limited'})
end
-- Where the router's group stands (one XINFO GROUPS: a few fields per group).
local exists, lastDelivered, pendingCount, lag = redis.call('EXISTS', stream) == 1
if exists then
  for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local fields = {}
    for j = 1, #info, 2 do fields[info[j]] = info[j + 1] end
    if fields['name'] == group then
      lastDelivered, pendingCount, lag = fields['last-delivered-id'], fields['pending'], fields['lag']
    end
  end
end

-- The router's backlog: what it was not given yet (lag) and what it holds (pending). Not XLEN:
-- subscriber groups keep entries the router is done with. XLEN only when Redis cannot tell the lag
-- (entries deleted ahead of the group) or the router has no group yet (all of it is unrouted).
local backlog = 0
if exists then
  if lastDelivered and lag then backlog = lag + pendingCount else backlog = redis.call('XLEN', stream) end
end
if backlog + n > limit then
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
-- Whether the router is done with an entry: before its oldest pending one, or up to the last it was given.
local oldestPending
local function done(id)
  if not exists then return true end
  if not lastDelivered then return false end
  if pendingCount > 0 then
    oldestPending = oldestPending or redis.call('XPENDING', stream, group)[2]
    return before(id, oldestPending)
  end
  return not before(lastDelivered, id)
end
local held, trimmed = {}, {}
for s = 1, scopes do
  local list, counter, cap = KEYS[1 + 2 * s], KEYS[2 + 2 * s], tonumber(ARGV[6 + s])
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
  if redis.call('RPUSH', KEYS[1 + 2 * s], last .. ' ' .. n) == 1 or trimmed[s] then
    redis.call('EXPIRE', KEYS[1 + 2 * s], ttl)
  end
  redis.call('SET', KEYS[2 + 2 * s], held[s] + n, 'EX', ttl)
end
if rateLimit > 0 then
  -- The window is one second; the key outlives it briefly, for replicas whose clocks lag.
  redis.call('INCRBY', rateKey, n)
  redis.call('EXPIRE', rateKey, 5)
end
return {'accepted', n}
`;
