-- ingest.lua: Store.Ingest. Records a batch of classified alerts in one
-- transition: duplicates are counted, new alerts join their group's open
-- incident or open one (with its escalation timer due now), resolved alerts
-- resolve their incident when no other alert of it is firing. An incident
-- opened by an alert given a first-step plan (and not resolved again by the
-- batch) then runs that step in place of its escalation timer, as
-- complete.lua would apply it, and the step's timers due now are claimed.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] now, as Go writes times
--   [HEAD+2] now in Unix ms, rounded down
--   [HEAD+3] now as a due score (rounded up)
--   [HEAD+4] incident key prefix ("INC")
--   [HEAD+5] lease end of the claims, as Go writes times
--   [HEAD+6] lease end as a due score (rounded up)
--   [HEAD+7] lease token base: claim i (from 1) of incident key gets
--            base .. '-' .. key .. '-' .. i
--   [HEAD+8] number of first-step plans, then per plan: '1' to set the
--            position, round, step; the number of entries, then each
--            (engine.Entry as JSON); the number of pages, then per page its
--            key after 'page/' .. incident key, and its JSON with an empty
--            key; the number of timers, then per timer its ID before and
--            after the incident key, its due score, and its JSON with an
--            empty ID and incident
--   then the number of alerts, then per alert FIELDS strings:
--            id, body (engine.Classified as JSON), status, event reason
--            ('' for none), group key, priority, summary, integration,
--            source, service, policy, category, first alert time (its
--            startsAt, or now when unset or later), ends at ('' for none),
--            first-step plan (from 1; 0 for none)
-- Returns: per alert, three strings: outcome, incident key ('' for none),
--          priority; then per first step run: the incident key, its plan,
--          common.lua's snapshot of the incident as the ingest left it, the
--          number of timers claimed, and each as JSON.

local NOW, NOW_MS, NOW_SCORE, PREFIX = ARGV[HEAD + 1], ARGV[HEAD + 2], ARGV[HEAD + 3], ARGV[HEAD + 4]
local LEASE_UNTIL, LEASE_SCORE, TOKEN = ARGV[HEAD + 5], ARGV[HEAD + 6], ARGV[HEAD + 7]
local FIELDS = 15

-- read_plans reads the first-step plans whose count is ARGV[o], and
-- returns them with where the arguments after them start.
local function read_plans(o)
  local plans = {}
  for p = 1, tonumber(ARGV[o]) do
    local plan = {entries = {}, pages = {}, timers = {}}
    if ARGV[o + 1] == '1' then
      plan.position = {ARGV[o + 2], ARGV[o + 3]}
    end
    o = o + 4
    for i = 1, tonumber(ARGV[o]) do
      plan.entries[i] = ARGV[o + i]
    end
    o = o + tonumber(ARGV[o]) + 1
    for i = 1, tonumber(ARGV[o]) do
      local b = o + (i - 1) * 2
      plan.pages[i] = {suffix = ARGV[b + 1], json = ARGV[b + 2]}
    end
    o = o + tonumber(ARGV[o]) * 2 + 1
    for i = 1, tonumber(ARGV[o]) do
      local b = o + (i - 1) * 4
      plan.timers[i] = {prefix = ARGV[b + 1], suffix = ARGV[b + 2], score = ARGV[b + 3], json = ARGV[b + 4]}
    end
    o = o + tonumber(ARGV[o]) * 4
    plans[p] = plan
  end
  return plans, o + 1
end

local PLANS, ALERTS = read_plans(HEAD + 8)
local COUNT = tonumber(ARGV[ALERTS])
-- opened lists the incidents opened by alerts with a plan, as {key, plan}.
local opened = {}

-- alert reads the i-th alert (from 0) of the batch.
local function alert(i)
  local o = ALERTS + 1 + i * FIELDS
  return {
    id = ARGV[o], body = ARGV[o + 1], status = ARGV[o + 2], event = ARGV[o + 3],
    group = ARGV[o + 4], priority = ARGV[o + 5], summary = ARGV[o + 6],
    integration = ARGV[o + 7], source = ARGV[o + 8], service = ARGV[o + 9],
    policy = ARGV[o + 10], category = ARGV[o + 11], first_alert_at = ARGV[o + 12],
    ends_at = ARGV[o + 13], plan = tonumber(ARGV[o + 14]),
  }
end

-- save_state records what the store made of an alert seen now.
local function save_state(id, st)
  redis.call('HSET', K.alert_state, id, cjson.encode(st))
  if st.incident then
    redis.call('ZREM', K.loose_alerts, id)
  else
    redis.call('ZADD', K.loose_alerts, NOW_MS, id)
  end
end

-- open_new opens an incident for a, with its escalation due now.
local function open_new(a)
  local n = redis.call('INCR', K.seq)
  local key = PREFIX .. '-' .. int(n)
  local k = incident_keys(key)
  local fields = {
    'number', int(n), 'service', a.service, 'priority', a.priority, 'state', 'triggered',
    'summary', a.summary, 'group_key', a.group, 'first_alert_at', a.first_alert_at,
    'opened_at', NOW, 'gen', '1', 'round', '0', 'step', '0',
    'alerts', cjson.encode({a.id}), 'firing', '1',
  }
  for _, f in ipairs({'policy', 'category'}) do
    if a[f] ~= '' then
      fields[#fields + 1], fields[#fields + 2] = f, a[f]
    end
  end
  redis.call('HSET', k.fields, unpack(fields))
  redis.call('RPUSH', k.timeline, entry(NOW, 'opened', a.integration,
    'opened ' .. a.priority .. ' by alert ' .. a.summary .. ' from ' .. a.integration))
  redis.call('HSET', K.open_groups, a.group, key)
  redis.call('ZADD', K.incidents, n, key)
  redis.call('ZADD', K.open_incidents, n, key)
  redis.call('HINCRBY', K.meta, 'open:' .. a.priority, 1)
  local id = ESC_PREFIX .. key
  put_timer(id, timer_json(id, 'escalate', key, 1, NOW), NOW_SCORE)
  if a.plan > 0 then
    opened[#opened + 1] = {key, a.plan}
  end
  return key
end

-- ALERT_CHUNK_BYTES is how long an array of alert IDs grows before the
-- next is started (common.lua).
local ALERT_CHUNK_BYTES = 4096

-- listed reports whether the JSON array ids holds id, encoded as enc: the
-- array is searched for enc first, so that only a likely member costs
-- decoding it.
local function listed(ids, enc, id)
  if not string.find(ids, enc, 1, true) then
    return false
  end
  for _, v in ipairs(cjson.decode(ids)) do
    if v == id then
      return true
    end
  end
  return false
end

-- append_alert_id splices enc, alert id's JSON, into the last of an
-- incident's n arrays of alert IDs (never empty: the first holds the alert
-- that opened the incident) as cjson would write the array with it,
-- without decoding it, or starts the next array once the last is full,
-- indexing the first array's IDs when it starts the second.
local function append_alert_id(k, n, enc, id)
  local last = redis.call('HGET', k.fields, alert_chunk_field(n - 1))
  if #last < ALERT_CHUNK_BYTES then
    redis.call('HSET', k.fields, alert_chunk_field(n - 1), string.sub(last, 1, -2) .. ',' .. enc .. ']')
  else
    if n == 1 then
      for _, first in ipairs(cjson.decode(last)) do
        redis.call('HSET', k.alert_index, first, '1')
      end
    end
    redis.call('HSET', k.fields, alert_chunk_field(n), '[' .. enc .. ']', 'alert_chunks', int(n + 1))
    n = n + 1
  end
  if n > 1 then
    redis.call('HSET', k.alert_index, id, '1')
  end
end

-- join adds the firing alert a to the open incident key.
local function join(key, a)
  local k = incident_keys(key)
  local n = tonumber(redis.call('HGET', k.fields, 'alert_chunks') or '1')
  local enc = cjson.encode(a.id)
  local known
  if n > 1 then
    known = redis.call('HEXISTS', k.alert_index, a.id) == 1
  else
    known = listed(redis.call('HGET', k.fields, 'alerts'), enc, a.id)
  end
  if not known then
    append_alert_id(k, n, enc, a.id)
  end
  redis.call('HINCRBY', k.fields, 'firing', 1)
  redis.call('RPUSH', k.timeline, entry(NOW, 'alert_joined', a.integration,
    'alert ' .. a.summary .. ' joined (' .. a.priority .. ')'))
end

-- clear records an alert resolved at its source, and resolves its incident
-- when no other alert of it is firing.
local function clear(st, a)
  if not st then
    st = {count = '0', first_seen = NOW}
    redis.call('HSET', K.alerts, a.id, a.body)
  end
  st.status, st.last_seen, st.count = 'resolved', NOW, incr(st.count)
  st.ends_at = a.ends_at ~= '' and a.ends_at or nil
  save_state(a.id, st)
  local key = st.incident
  if not is_open(key) then
    return {'cleared', key or '', a.priority}
  end
  -- The entry names the alert as recorded, which may predate a.
  local rec = cjson.decode(redis.call('HGET', K.alerts, a.id))
  local k = incident_keys(key)
  local firing = redis.call('HINCRBY', k.fields, 'firing', -1)
  redis.call('RPUSH', k.timeline, entry(NOW, 'alert_resolved', rec.integration or '',
    'alert ' .. rec.summary .. ' resolved at the source'))
  if firing > 0 then
    return {'cleared', key, a.priority}
  end
  redis.call('HSET', k.fields, 'firing', '0')
  resolve_incident(key, NOW, NOW_MS, NOW_SCORE, '', rec.source, 'all alerts resolved at the source')
  return {'resolved', key, redis.call('HGET', k.fields, 'priority')}
end

-- ingest_one applies one alert and returns its outcome.
local function ingest_one(a)
  local st = load_state(a.id)
  if st and duplicate(st, a) then
    st.count, st.last_seen = incr(st.count), NOW
    save_state(a.id, st)
    return {'duplicate', st.incident or '', a.priority}
  end
  if a.status == 'resolved' then
    return clear(st, a)
  end
  st = st or {count = '0', first_seen = NOW}
  st.status, st.last_seen, st.count, st.incident = a.status, NOW, incr(st.count), nil
  st.ends_at = a.ends_at ~= '' and a.ends_at or nil
  redis.call('HSET', K.alerts, a.id, a.body)
  local outcome, key = 'event', nil
  if a.event == '' then
    key = redis.call('HGET', K.open_groups, a.group)
    if key then
      outcome = 'joined'
      join(key, a)
    else
      outcome, key = 'opened', open_new(a)
    end
  end
  st.incident = key
  save_state(a.id, st)
  return {outcome, key or '', a.priority}
end

local out = {}
for i = 0, COUNT - 1 do
  for _, v in ipairs(ingest_one(alert(i))) do
    out[#out + 1] = v
  end
end
-- first_step runs plan on the new incident key in place of its escalation
-- timer, and returns the claims of the timers it makes due now.
local function first_step(key, plan)
  local k = incident_keys(key)
  remove_timer(ESC_PREFIX .. key)
  if plan.position then
    redis.call('HSET', k.fields, 'round', plan.position[1], 'step', plan.position[2])
  end
  for _, e in ipairs(plan.entries) do
    redis.call('RPUSH', k.timeline, e)
  end
  for _, p in ipairs(plan.pages) do
    local page_key = 'page/' .. key .. p.suffix
    local page = cjson.decode(p.json)
    page.key = page_key
    redis.call('HSET', k.pages, page_key, cjson.encode(page))
    redis.call('RPUSH', k.order, page_key)
  end
  local claims = new_claims(NOW_SCORE, TOKEN .. '-' .. key, LEASE_UNTIL, LEASE_SCORE)
  for _, t in ipairs(plan.timers) do
    local id = t.prefix .. key .. t.suffix
    if redis.call('HEXISTS', K.timers, id) == 0 then
      local timer = cjson.decode(t.json)
      timer.id, timer.incident = id, key
      make_timer(claims, id, timer, t.score)
    end
  end
  return claims and claims.out or {}
end

-- An incident keeps its escalation timer unless a later alert of the batch
-- resolved it.
for _, o in ipairs(opened) do
  local key = o[1]
  if redis.call('HEXISTS', K.timers, ESC_PREFIX .. key) == 1 then
    local claimed = first_step(key, PLANS[o[2]])
    out[#out + 1] = key
    out[#out + 1] = o[2]
    out[#out + 1] = snapshot(key)
    out[#out + 1] = #claimed
    for _, json in ipairs(claimed) do
      out[#out + 1] = json
    end
  end
end
return out
