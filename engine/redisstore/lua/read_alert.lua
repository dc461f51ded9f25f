-- read_alert.lua: Store.Alert. Reads one alert record in one step.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then [HEAD+1] alert ID.
-- Returns: {body, state}: the alert as last received and what the store
--          made of it (JSON), or {} when there is no such alert.

local id = ARGV[HEAD + 1]
local body = redis.call('HGET', K.alerts, id)
if not body then
  return {}
end
return {body, redis.call('HGET', K.alert_state, id)}
