-- reserve: KEYS = hash1, hash1:r, hash2, hash2:r, ... (one pair per budget that applies)
-- ARGV = now_ms, reqid, amount, ttl_ms, then limit_i, expireat_i (unix s) per pair.
-- Purges expired reservations of every pair; reserves amount in all of them or in none.
-- Answers {1, used_1, ...} (spent + reserved after reserving) or {0, i, used_i} for the first
-- budget without room.
local now, amount, ttl = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local member = ARGV[2] .. ':' .. ARGV[3]
local n = #KEYS / 2
local used = {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  if #old > 0 then
    local sum = 0
    for _, m in ipairs(old) do sum = sum + tonumber(string.match(m, ':(%d+)$')) end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    redis.call('HINCRBY', h, 'reserved', -sum)
  end
  local v = redis.call('HMGET', h, 'spent', 'reserved')
  used[i] = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
  if amount > 0 and used[i] + amount > tonumber(ARGV[3 + 2 * i]) then
    return {0, i, used[i]}
  end
end
local out = {1}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HSET', h, 'limit', ARGV[3 + 2 * i])
  if amount > 0 then
    redis.call('HINCRBY', h, 'reserved', amount)
    redis.call('ZADD', z, now + ttl, member)
  end
  redis.call('EXPIREAT', h, ARGV[4 + 2 * i])
  redis.call('EXPIREAT', z, ARGV[4 + 2 * i])
  out[i + 1] = used[i] + amount
end
return out
