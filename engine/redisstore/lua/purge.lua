-- purge.lua: Store.Purge. Removes up to max resolved incidents resolved
-- before a time, with their alerts, then alerts in no incident last seen
-- before it. Open incidents are never removed; timers are left to run out.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] the time, in Unix ms rounded down: what is older than that
--            millisecond goes
--   [HEAD+2] max, the most incidents and alerts to remove (at least 1)
-- Returns: how many incidents and alerts were removed.

local before, max = '(' .. ARGV[HEAD + 1], tonumber(ARGV[HEAD + 2])
local removed = 0

local function remove_alert(id)
  redis.call('HDEL', K.alerts, id)
  redis.call('HDEL', K.alert_state, id)
  redis.call('ZREM', K.loose_alerts, id)
end

-- alert_chunks returns an incident's arrays of alert IDs, in order.
local function alert_chunks(k)
  local out = {}
  for i = 0, tonumber(redis.call('HGET', k.fields, 'alert_chunks') or '1') - 1 do
    out[#out + 1] = redis.call('HGET', k.fields, alert_chunk_field(i)) or '[]'
  end
  return out
end

-- remove_incident removes an incident and those of its alerts still in it.
local function remove_incident(key)
  local k = incident_keys(key)
  for _, ids in ipairs(alert_chunks(k)) do
    for _, id in ipairs(cjson.decode(ids)) do
      local st = redis.call('HGET', K.alert_state, id)
      if st and cjson.decode(st).incident == key then
        remove_alert(id)
      end
    end
  end
  redis.call('DEL', k.fields, k.timeline, k.pages, k.order)
  redis.call('ZREM', K.incidents, key)
  redis.call('ZREM', K.open_incidents, key)
  redis.call('ZREM', K.resolved_incidents, key)
end

for _, key in ipairs(redis.call('ZRANGEBYSCORE', K.resolved_incidents, '-inf', before, 'LIMIT', 0, max)) do
  remove_incident(key)
  removed = removed + 1
end
if removed < max then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.loose_alerts, '-inf', before, 'LIMIT', 0, max - removed)) do
    remove_alert(id)
    removed = removed + 1
  end
end
return removed
