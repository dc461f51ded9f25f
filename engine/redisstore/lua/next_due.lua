-- next_due.lua: Store.NextDue. Finds the earliest score over the due shards.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head.
-- Returns: the earliest score (Unix ms) as a string, or false when no timer
--          is pending.

local earliest = nil
for i = SHARD0, #KEYS do
  local head = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if head[2] and (not earliest or tonumber(head[2]) < earliest) then
    earliest = tonumber(head[2])
  end
end
if not earliest then
  return false
end
return int(earliest)
