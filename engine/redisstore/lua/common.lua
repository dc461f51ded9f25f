-- common.lua is prepended to every script of the store (scripts.go joins
-- them), so that each script below reads as the steps of its transition.
--
-- Every script gets the same KEYS (keys.go scriptKeys) and the same head of
-- ARGV (store.go open):
--   KEYS[1]     meta            hash: facts fixed when the deployment was created,
--                               and "open:<priority>" counts of open incidents
--   KEYS[2]     seq             string: the last incident number
--   KEYS[3]     alerts          hash: alert ID -> engine.Classified as last received (JSON)
--   KEYS[4]     alert-state     hash: alert ID -> what the store made of it (JSON object
--                               of strings: incident, count, first_seen, last_seen, status, ends_at)
--   KEYS[5]     open-groups     hash: group key -> key of the group's open incident
--   KEYS[6]     incidents       zset: incident key, scored by number
--   KEYS[7]     open-incidents  zset: key of each incident not resolved, scored by number
--   KEYS[8]     last-paged      hash: person ID -> key of the incident last paged to them
--   KEYS[9]     timers          hash: timer ID -> timer (JSON, gen as a string)
--   KEYS[10]    resolved-incidents zset: key of each resolved incident, scored by
--                               when it was resolved (Unix ms, rounded down)
--   KEYS[11]    loose-alerts    zset: ID of each alert in no incident (events, and
--                               alerts resolved before joining one), scored by
--                               when it was last seen (Unix ms, rounded down)
--   KEYS[12..]  due shards      zsets: timer ID, scored by when it can next run (Unix ms,
--                               the microseconds as a fraction)
--   ARGV[1..5]  prefixes of one incident's keys; the incident key is appended:
--               fields hash, timeline list (entries as JSON), pages hash
--               (page key -> JSON), page-order list (page keys as recorded),
--               alert index hash (alert ID -> '1', while it is open and its
--               IDs take more than one array)
--   ARGV[6]     prefix of escalation timer IDs ("esc/")
--   ARGV[7]     prefix of resolution fan-out timer IDs ("resolved/")
-- A script's own arguments start at ARGV[HEAD + 1].
--
-- Every key carries the deployment's hash tag, so keys a script derives
-- (an incident's) are in the slot of the keys it declares.
-- Times are strings in Go's RFC 3339 form and never parsed here; scores are
-- computed by Go (a due time rounded up to the microsecond, so a timer is
-- never claimed early; codec.go). Integers that can grow are kept as decimal
-- strings.

local K = {
  meta = KEYS[1], seq = KEYS[2], alerts = KEYS[3], alert_state = KEYS[4],
  open_groups = KEYS[5], incidents = KEYS[6], open_incidents = KEYS[7],
  last_paged = KEYS[8], timers = KEYS[9], resolved_incidents = KEYS[10], loose_alerts = KEYS[11],
}
local SHARD0 = 12
local NSHARDS = #KEYS - SHARD0 + 1
local HEAD = 7
local ESC_PREFIX, RESOLVED_PREFIX = ARGV[6], ARGV[7]

-- incident_keys returns the keys of the incident with key key.
local function incident_keys(key)
  return {fields = ARGV[1] .. key, timeline = ARGV[2] .. key, pages = ARGV[3] .. key, order = ARGV[4] .. key,
    alert_index = ARGV[5] .. key}
end

-- int writes an integral number without an exponent.
local function int(n)
  return string.format('%d', n)
end

-- incr adds one to a count kept as a decimal string.
local function incr(s)
  return int(tonumber(s) + 1)
end

-- shard_key is the due shard of a timer, chosen by a hash of its ID.
local function shard_key(id)
  local h = 0
  for i = 1, #id do
    h = (h * 31 + string.byte(id, i)) % 2147483647
  end
  return KEYS[SHARD0 + h % NSHARDS]
end

-- put_timer stores a timer and schedules it to run at score.
local function put_timer(id, json, score)
  redis.call('HSET', K.timers, id, json)
  redis.call('ZADD', shard_key(id), score, id)
end

-- lease_timer claims timer t (decoded) of shard: a lease token, the lease
-- end and one more claim, and rescheduled to the lease end, when it can be
-- claimed again unless completed before. It returns the timer's JSON.
local function lease_timer(shard, id, t, token, lease_until, lease_score)
  t.lease, t.lease_until, t.claims = token, lease_until, (t.claims or 0) + 1
  local json = cjson.encode(t)
  redis.call('HSET', K.timers, id, json)
  redis.call('ZADD', shard, lease_score, id)
  return json
end

-- A script that claims the timers it makes due now gathers the claims in
-- a list made by new_claims (nil when it claims nothing): claim i (from 1)
-- gets the lease token token .. '-' .. i, and claims.out holds the claimed
-- timers as JSON, in the order claimed.
local function new_claims(now_score, token, lease_until, lease_score)
  if lease_until == '' then
    return nil
  end
  return {now_score = tonumber(now_score), token = token, lease_until = lease_until,
    lease_score = lease_score, out = {}}
end

-- claim_timer claims timer t (decoded) of shard for claims.
local function claim_timer(claims, shard, id, t)
  local n = #claims.out + 1
  claims.out[n] = lease_timer(shard, id, t, claims.token .. '-' .. n, claims.lease_until, claims.lease_score)
end

-- make_timer stores a timer the script makes, t being its JSON or the same
-- decoded, to run at score. With claims, one due by then is claimed as it
-- is stored: it is written once, already leased.
local function make_timer(claims, id, t, score)
  if claims and tonumber(score) <= claims.now_score then
    if type(t) == 'string' then
      t = cjson.decode(t)
    end
    claim_timer(claims, shard_key(id), id, t)
    return
  end
  if type(t) ~= 'string' then
    t = cjson.encode(t)
  end
  put_timer(id, t, score)
end

local function remove_timer(id)
  redis.call('HDEL', K.timers, id)
  redis.call('ZREM', shard_key(id), id)
end

-- timer_json writes a timer of an incident made by a script (gen is a
-- number, written as a string; round and step are left out when 0).
local function timer_json(id, kind, key, gen, due, round, step)
  local t = {id = id, kind = kind, incident = key, gen = int(gen), due = due}
  if round and round ~= 0 then
    t.round = round
  end
  if step and step ~= 0 then
    t.step = step
  end
  return cjson.encode(t)
end

-- entry writes a timeline entry as engine.Entry's JSON.
local function entry(at, kind, actor, detail)
  local e = {at = at, kind = kind, detail = detail}
  if actor ~= '' then
    e.actor = actor
  end
  return cjson.encode(e)
end

-- An incident's alert IDs are JSON arrays in its fields hash: 'alerts',
-- then 'alerts:1', 'alerts:2'... once each is 4 KiB long (ingest.lua), so
-- that an alert joining an incident of thousands rewrites a short array;
-- 'alert_chunks' counts the arrays (absent: one). Go reads them in order.
-- Once there is more than one, the open incident's alert index hash holds
-- every ID, so that a join need not read them all to look for its alert.

-- alert_chunk_field is the field of an incident's chunk i (from 0).
local function alert_chunk_field(i)
  if i == 0 then
    return 'alerts'
  end
  return 'alerts:' .. int(i)
end

-- is_open reports whether key names an incident that is not resolved.
local function is_open(key)
  if not key or key == '' then
    return false
  end
  local state = redis.call('HGET', incident_keys(key).fields, 'state')
  return state ~= false and state ~= 'resolved'
end

-- load_state reads what the store made of alert id (alert-state), or nil.
local function load_state(id)
  local s = redis.call('HGET', K.alert_state, id)
  if not s then
    return nil
  end
  return cjson.decode(s)
end

-- duplicate reports whether a changes nothing about the alert recorded as
-- st but its count: the same status, and for a firing alert, still where it
-- was recorded (an open incident, or an event that is still an event).
local function duplicate(st, a)
  if st.status ~= a.status then
    return false
  end
  if a.status == 'resolved' then
    return true
  end
  if not st.incident then
    return a.event ~= ''
  end
  return is_open(st.incident)
end

-- resolve_incident moves an open incident to resolved, stops its escalation
-- and schedules its resolution notices (embedded change.resolve). now_ms is
-- now rounded down, now_score rounded up.
local function resolve_incident(key, now, now_ms, now_score, by_id, by_name, detail)
  local k = incident_keys(key)
  redis.call('HSET', k.fields, 'state', 'resolved', 'resolved_at', now, 'resolved_by', by_name)
  local gen = redis.call('HINCRBY', k.fields, 'gen', 1)
  redis.call('RPUSH', k.timeline, entry(now, 'resolved', by_id, detail))
  local group = redis.call('HGET', k.fields, 'group_key')
  if group and redis.call('HGET', K.open_groups, group) == key then
    redis.call('HDEL', K.open_groups, group)
  end
  redis.call('ZREM', K.open_incidents, key)
  redis.call('DEL', k.alert_index) -- only an open incident is joined
  redis.call('HINCRBY', K.meta, 'open:' .. redis.call('HGET', k.fields, 'priority'), -1)
  redis.call('ZADD', K.resolved_incidents, now_ms, key)
  remove_timer(ESC_PREFIX .. key)
  local id = RESOLVED_PREFIX .. key
  put_timer(id, timer_json(id, 'resolved', key, gen, now), now_score)
end

-- snapshot returns an incident as Go reads it: its fields (HGETALL), its
-- timeline and its pages in the order recorded. The fields are empty when
-- there is no such incident.
local function snapshot(key)
  local k = incident_keys(key)
  local pages = {}
  for _, page_key in ipairs(redis.call('LRANGE', k.order, 0, -1)) do
    pages[#pages + 1] = redis.call('HGET', k.pages, page_key)
  end
  return {redis.call('HGETALL', k.fields), redis.call('LRANGE', k.timeline, 0, -1), pages}
end
