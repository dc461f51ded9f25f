-- escalate.lua: Store.Escalate. Runs an open incident's next escalation
-- step at once: the escalation timer (at the incident's round and step) is
-- due now; an acknowledged incident is triggered again in a new
-- generation, its owner kept, the ack-timeout timer replaced.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] incident key
--   [HEAD+2] now, as Go writes times
--   [HEAD+3] now as a due score (rounded up)
--   [HEAD+4] timeline entry (engine.Entry as JSON)
-- Returns: {'not_found'}, or {'wrong_state', incident} with the resolved
--          incident unchanged, or {'ok', incident} with the incident as it
--          is now; incident is common.lua's snapshot.

local key, now, now_score, line = ARGV[HEAD + 1], ARGV[HEAD + 2], ARGV[HEAD + 3], ARGV[HEAD + 4]
local k = incident_keys(key)
local state = redis.call('HGET', k.fields, 'state')
if not state then
  return {'not_found'}
end
if state == 'resolved' then
  return {'wrong_state', snapshot(key)}
end
if state == 'acknowledged' then
  redis.call('HSET', k.fields, 'state', 'triggered')
  redis.call('HINCRBY', k.fields, 'gen', 1)
end
redis.call('RPUSH', k.timeline, line)
local f = redis.call('HMGET', k.fields, 'gen', 'round', 'step')
local id = ESC_PREFIX .. key
put_timer(id, timer_json(id, 'escalate', key, f[1], now, tonumber(f[2]), tonumber(f[3])), now_score)
return {'ok', snapshot(key)}
