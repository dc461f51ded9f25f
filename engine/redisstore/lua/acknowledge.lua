-- acknowledge.lua: Store.Acknowledge. Moves a triggered incident to
-- acknowledged, owned by a person (acknowledged at: the first time), bumps
-- its generation and stops its escalation; with an ack timeout, an
-- ack-timeout timer takes the escalation timer's place.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] incident key
--   [HEAD+2] now, as Go writes times
--   [HEAD+3] owner (person ID)
--   [HEAD+4] timeline entry (engine.Entry as JSON)
--   [HEAD+5] when the ack times out, as Go writes times ('' for never)
--   [HEAD+6] that time as a due score (rounded up)
-- Returns: {'not_found'}, or {'wrong_state', incident} with the incident
--          unchanged, or {'ok', incident} with the incident as it is now;
--          incident is common.lua's snapshot.

local key, now, owner, line = ARGV[HEAD + 1], ARGV[HEAD + 2], ARGV[HEAD + 3], ARGV[HEAD + 4]
local timeout_due, timeout_score = ARGV[HEAD + 5], ARGV[HEAD + 6]
local k = incident_keys(key)
local state = redis.call('HGET', k.fields, 'state')
if not state then
  return {'not_found'}
end
if state ~= 'triggered' then
  return {'wrong_state', snapshot(key)}
end
redis.call('HSET', k.fields, 'state', 'acknowledged', 'owner', owner)
redis.call('HSETNX', k.fields, 'acked_at', now)
local gen = redis.call('HINCRBY', k.fields, 'gen', 1)
redis.call('RPUSH', k.timeline, line)
local id = ESC_PREFIX .. key
remove_timer(id)
if timeout_due ~= '' then
  put_timer(id, timer_json(id, 'ack_timeout', key, gen, timeout_due), timeout_score)
end
return {'ok', snapshot(key)}
