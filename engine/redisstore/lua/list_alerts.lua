-- list_alerts.lua: one page of Store.Events. Walks the alerts in no
-- incident, most recently seen first.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] highest score to walk ('+inf', or the first page's highest)
--   [HEAD+2] lowest score to walk (Unix ms, or '-inf')
--   [HEAD+3] how many to skip from the highest, [HEAD+4] how many to walk
-- Returns: {walked, highest score walked ('' if none), {id, body, state}...}:
--          fewer walked than asked means the index ends here.

local from, to = ARGV[HEAD + 1], ARGV[HEAD + 2]
local skip, count = tonumber(ARGV[HEAD + 3]), tonumber(ARGV[HEAD + 4])
local walked = redis.call('ZREVRANGEBYSCORE', K.loose_alerts, from, to, 'WITHSCORES', 'LIMIT', skip, count)
local out = {#walked / 2, walked[2] or ''}
for i = 1, #walked, 2 do
  local id = walked[i]
  local body = redis.call('HGET', K.alerts, id)
  if body then
    out[#out + 1] = {id, body, redis.call('HGET', K.alert_state, id)}
  end
end
return out
