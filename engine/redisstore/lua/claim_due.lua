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
-- Returns: the claimed timers by incident, at most max in all: for each
--          incident, in the order of its first claimed timer, a list of its
--          key, common.lua's snapshot of it, and its timers as JSON.

local now, max, first = ARGV[HEAD + 1], tonumber(ARGV[HEAD + 2]), tonumber(ARGV[HEAD + 3])
local lease_until, lease_score, token = ARGV[HEAD + 4], ARGV[HEAD + 5], ARGV[HEAD + 6]
local claimed = 0
local out, of = {}, {}

-- claim leases the timer id of shard, if it still exists, and adds it to
-- its incident's list.
local function claim(shard, id)
  local json = redis.call('HGET', K.timers, id)
  if not json then
    redis.call('ZREM', shard, id)
    return
  end
  local t = cjson.decode(json)
  claimed = claimed + 1
  local leased = lease_timer(shard, id, t, token .. '-' .. claimed, lease_until, lease_score)
  local list = of[t.incident]
  if not list then
    list = {t.incident, false} -- the snapshot is taken once all are claimed
    of[t.incident] = list
    out[#out + 1] = list
  end
  list[#list + 1] = leased
end

for i = 0, NSHARDS - 1 do
  if claimed >= max then
    break
  end
  local shard = KEYS[SHARD0 + (first + i) % NSHARDS]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', shard, '-inf', now, 'LIMIT', 0, max - claimed)) do
    claim(shard, id)
  end
end
for _, list in ipairs(out) do
  list[2] = snapshot(list[1])
end
return out
