-- add_note.lua: Store.AddNote. Appends a note to an incident's timeline,
-- whatever its state.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] incident key
--   [HEAD+2] the note (engine.Entry as JSON)
-- Returns: {'not_found'}, or {'ok', incident} with the incident as it is
--          now (common.lua's snapshot).

local key, line = ARGV[HEAD + 1], ARGV[HEAD + 2]
local k = incident_keys(key)
if redis.call('EXISTS', k.fields) == 0 then
  return {'not_found'}
end
redis.call('RPUSH', k.timeline, line)
return {'ok', snapshot(key)}
