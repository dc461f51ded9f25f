-- resolve.lua: Store.Resolve. Moves an open incident to resolved, bumps its
-- generation, stops its escalation, closes its group and schedules its
-- resolution notices (a fan-out timer due now).
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] incident key
--   [HEAD+2] now, as Go writes times
--   [HEAD+3] now in Unix ms, rounded down
--   [HEAD+4] now as a due score (rounded up)
--   [HEAD+5] resolver's ID (the entry's actor), [HEAD+6] resolver's name
--   [HEAD+7] the timeline entry's detail
-- Returns: {'not_found'}, or {'wrong_state', incident} with the incident
--          unchanged, or {'ok', incident} with the incident as it is now;
--          incident is common.lua's snapshot.

local key, now, now_ms, now_score = ARGV[HEAD + 1], ARGV[HEAD + 2], ARGV[HEAD + 3], ARGV[HEAD + 4]
local by_id, by_name, detail = ARGV[HEAD + 5], ARGV[HEAD + 6], ARGV[HEAD + 7]
local state = redis.call('HGET', incident_keys(key).fields, 'state')
if not state then
  return {'not_found'}
end
if state == 'resolved' then
  return {'wrong_state', snapshot(key)}
end
resolve_incident(key, now, now_ms, now_score, by_id, by_name, detail)
return {'ok', snapshot(key)}
