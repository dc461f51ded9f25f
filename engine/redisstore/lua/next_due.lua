-- next_due.lua: Store.NextDue. Finds the earliest score over the due shards.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head.
-- Returns: the earliest score (Unix ms with the microseconds as a fraction)
--          as Redis writes it, or false when no timer is pending.

local earliest, score = nil, nil
for i = SHARD0, #KEYS do
  local head = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if head[2] and (not earliest or tonumber(head[2]) < earliest) then
    earliest, score = tonumber(head[2]), head[2]
  end
end
if not earliest then
  return false
end
return score
