-- list_incidents.lua: one page of Store.Incidents. Walks an index of
-- incidents newest first from a number down, and returns those in a state.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] 'open' to walk the open incidents, anything else for all
--   [HEAD+2] highest number to walk, as a score bound ('+inf', '(42')
--   [HEAD+3] how many incidents to walk at most
--   [HEAD+4] state to return ('' for any)
-- Returns: {walked, lowest number walked ('' if none), {key, snapshot}...}:
--          fewer walked than asked means the index ends here.

local index = ARGV[HEAD + 1] == 'open' and K.open_incidents or K.incidents
local from, count, state = ARGV[HEAD + 2], tonumber(ARGV[HEAD + 3]), ARGV[HEAD + 4]
local walked = redis.call('ZREVRANGEBYSCORE', index, from, '-inf', 'WITHSCORES', 'LIMIT', 0, count)
local out = {#walked / 2, walked[#walked] or ''}
for i = 1, #walked, 2 do
  local key = walked[i]
  if state == '' or redis.call('HGET', incident_keys(key).fields, 'state') == state then
    out[#out + 1] = {key, snapshot(key)}
  end
end
return out
