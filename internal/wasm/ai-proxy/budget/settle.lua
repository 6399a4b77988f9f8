-- settle: KEYS as reserve's; ARGV = reqid, amount (reserved), actual (nano-USD), then
-- expireat_i per pair. An open reservation is released; spent grows by actual either way (a
-- reservation that already expired only adds spent). Answers spent of each budget.
local member = ARGV[1] .. ':' .. ARGV[2]
local amount, actual = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('ZREM', z, member) == 1 then
    redis.call('HINCRBY', h, 'reserved', -amount)
  end
  out[i] = redis.call('HINCRBY', h, 'spent', actual)
  redis.call('EXPIREAT', h, ARGV[3 + i])
end
return out
