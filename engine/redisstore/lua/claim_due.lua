-- claim_due.lua: Store.ClaimDue. Claims up to max timers that can run now,
-- visiting the due shards in turn from a given one: each claimed timer gets
-- a lease token, its lease end and one more claim, and is rescheduled to the
-- lease end, when it can be claimed again unless completed before.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] now as a score bound (rounded down): timers scored at or before it are due
--   [HEAD+2] max, the most timers to claim (at least 1)
--   [HEAD+3] the shard to visit first (0-based)
--   [HEAD+4] lease end, as Go writes times
--   [HEAD+5] lease end as a due score (rounded up)
--   [HEAD+6] lease token base: claim i (from 1) gets lease base .. '-' .. i
-- Returns: the claimed timers as JSON, at most max.

local now, max, first = ARGV[HEAD + 1], tonumber(ARGV[HEAD + 2]), tonumber(ARGV[HEAD + 3])
local lease_until, lease_score, token = ARGV[HEAD + 4], ARGV[HEAD + 5], ARGV[HEAD + 6]
local out = {}

-- claim leases the timer id of shard, if it still exists.
local function claim(shard, id)
  local json = redis.call('HGET', K.timers, id)
  if not json then
    redis.call('ZREM', shard, id)
    return
  end
  out[#out + 1] = lease_timer(shard, id, cjson.decode(json), token .. '-' .. (#out + 1), lease_until, lease_score)
end

for i = 0, NSHARDS - 1 do
  if #out >= max then
    break
  end
  local shard = KEYS[SHARD0 + (first + i) % NSHARDS]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', shard, '-inf', now, 'LIMIT', 0, max - #out)) do
    claim(shard, id)
  end
end
return out
