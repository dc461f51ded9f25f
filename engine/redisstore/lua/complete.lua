-- complete.lua: Store.Complete. Finishes a claimed timer whose lease still
-- holds, removing it or rescheduling it for a retry (a completion without
-- a timer skips this), then, unless the completion is fenced and its
-- incident has moved on, applies what running the timer decided: a
-- retrigger (an acknowledged incident triggered again, escalating from the
-- first step now), the escalation position, timeline entries, pages (a
-- pending page never replaces a recorded one), new timers (none for a page
-- recorded before this completion, none whose ID exists) and timers brought
-- forward to now. With a lease end given, it then claims, as claim_due.lua
-- does, the timers it created (a retrigger's escalation included) and those
-- it was asked to bring forward that are due at now (scored at or before
-- now's due score) and not claimed.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then
--   [HEAD+1] timer ID ('' for a completion without a timer)
--   [HEAD+2] its lease, as claimed
--   [HEAD+3] incident key          [HEAD+4] the timer's generation
--   [HEAD+5] '1' if fenced: only while the incident is triggered in that generation
--   [HEAD+6] '1' to retrigger: only while it is acknowledged in that generation
--   [HEAD+7] retry due time, as Go writes times ('' for no retry)
--   [HEAD+8] retry due score (rounded up)
--   [HEAD+9] now, as Go writes times  [HEAD+10] now as a due score
--   [HEAD+11] lease end of the claims, as Go writes times ('' to claim nothing)
--   [HEAD+12] lease end as a due score (rounded up)
--   [HEAD+13] lease token base: claim i (from 1) gets lease base .. '-' .. i
--   [HEAD+14] '1' to set the position, [HEAD+15] round, [HEAD+16] step
--   [HEAD+17] number of entries, then each entry (engine.Entry as JSON),
--   then the number of pages, then per page: key, person, status, JSON,
--   then the number of timers, then per timer: ID, kind, due score, JSON,
--   then the number of timers to bring forward, then their IDs.
-- Returns: {'ok'} when it claimed nothing; {'ok', incident, claimed
--          timers as JSON...} when it claimed some, incident being
--          common.lua's snapshot as the completion left it; {'lease_lost'}
--          (nothing changed); {'moved_on'} (the fenced incident moved on:
--          only the timer was removed or rescheduled).

local id, lease, key, gen = ARGV[HEAD + 1], ARGV[HEAD + 2], ARGV[HEAD + 3], ARGV[HEAD + 4]
local fenced, retrigger = ARGV[HEAD + 5] == '1', ARGV[HEAD + 6] == '1'
local retry_due, retry_score = ARGV[HEAD + 7], ARGV[HEAD + 8]
local now, now_score = ARGV[HEAD + 9], ARGV[HEAD + 10]
local lease_until, lease_score, token = ARGV[HEAD + 11], ARGV[HEAD + 12], ARGV[HEAD + 13]
-- made lists the IDs of the timers created or brought forward, to claim.
local made = {}

-- finish removes the claimed timer, or reschedules it for a retry; false
-- when the lease is lost.
local function finish()
  local json = redis.call('HGET', K.timers, id)
  local t = json and cjson.decode(json)
  if not t or (t.lease or '') ~= lease then
    return false
  end
  if retry_due == '' then
    remove_timer(id)
    return true
  end
  t.due, t.lease, t.lease_until, t.claims = retry_due, nil, nil, nil
  t.attempt = (t.attempt or 0) + 1
  put_timer(id, cjson.encode(t), retry_score)
  return true
end

-- fence_holds reports whether the completion still applies to an incident
-- in state, generation incident_gen.
local function fence_holds(state, incident_gen)
  if fenced then
    return state == 'triggered' and incident_gen == gen
  end
  if retrigger then
    return state == 'acknowledged' and incident_gen == gen
  end
  return true
end

-- trigger_again moves an acknowledged incident back to triggered,
-- escalating from the first step now.
local function trigger_again(k)
  redis.call('HSET', k.fields, 'state', 'triggered', 'round', '0', 'step', '0')
  local new_gen = redis.call('HINCRBY', k.fields, 'gen', 1)
  local esc = ESC_PREFIX .. key
  put_timer(esc, timer_json(esc, 'escalate', key, new_gen, now), now_score)
  made[#made + 1] = esc
end

-- record_page adds or updates a page, and notes a sent one as the person's
-- latest incident.
local function record_page(k, page_key, person, status, json)
  if status == 'sent' then
    redis.call('HSET', K.last_paged, person, key)
  end
  if redis.call('HEXISTS', k.pages, page_key) == 1 then
    if status ~= 'pending' then
      redis.call('HSET', k.pages, page_key, json)
    end
    return
  end
  redis.call('HSET', k.pages, page_key, json)
  redis.call('RPUSH', k.order, page_key)
end

-- bring_forward makes a pending timer that is not claimed due now.
local function bring_forward(timer_id)
  local json = redis.call('HGET', K.timers, timer_id)
  local t = json and cjson.decode(json)
  if not t or (t.lease or '') ~= '' then
    return
  end
  local score = redis.call('ZSCORE', shard_key(timer_id), timer_id)
  if score and tonumber(score) > tonumber(now_score) then
    t.due = now
    put_timer(timer_id, cjson.encode(t), now_score)
  end
end

-- apply records the completion's decisions on the incident; o is where
-- they start in ARGV.
local function apply(k, o)
  if ARGV[o] == '1' then
    redis.call('HSET', k.fields, 'round', ARGV[o + 1], 'step', ARGV[o + 2])
  end
  o = o + 3
  for i = 1, tonumber(ARGV[o]) do
    redis.call('RPUSH', k.timeline, ARGV[o + i])
  end
  o = o + tonumber(ARGV[o]) + 1
  local pages_at, timers_at = o, o + 1 + tonumber(ARGV[o]) * 4
  local forward_at = timers_at + 1 + tonumber(ARGV[timers_at]) * 4
  -- Page timers are skipped for pages recorded before this completion.
  local recorded = {}
  for i = 0, tonumber(ARGV[timers_at]) - 1 do
    local t = timers_at + 1 + i * 4
    recorded[i] = ARGV[t + 1] == 'page' and redis.call('HEXISTS', k.pages, ARGV[t]) == 1
  end
  for i = 0, tonumber(ARGV[pages_at]) - 1 do
    local p = pages_at + 1 + i * 4
    record_page(k, ARGV[p], ARGV[p + 1], ARGV[p + 2], ARGV[p + 3])
  end
  for i = 0, tonumber(ARGV[timers_at]) - 1 do
    local t = timers_at + 1 + i * 4
    if not recorded[i] and redis.call('HEXISTS', K.timers, ARGV[t]) == 0 then
      put_timer(ARGV[t], ARGV[t + 3], ARGV[t + 2])
      made[#made + 1] = ARGV[t]
    end
  end
  for i = 1, tonumber(ARGV[forward_at]) do
    bring_forward(ARGV[forward_at + i])
    made[#made + 1] = ARGV[forward_at + i]
  end
end

if id ~= '' and not finish() then
  return {'lease_lost'}
end
local k = incident_keys(key)
local fields = redis.call('HMGET', k.fields, 'state', 'gen')
if not fields[1] then
  return {'ok'}
end
if not fence_holds(fields[1], fields[2]) then
  return {'moved_on'}
end
if retrigger then
  trigger_again(k)
end
apply(k, HEAD + 14)
local claimed = {}
if lease_until ~= '' then
  claimed = claim_made(made, now_score, token, lease_until, lease_score)
end
if #claimed == 0 then
  return {'ok'}
end
local answer = {'ok', snapshot(key)}
for _, json in ipairs(claimed) do
  answer[#answer + 1] = json
end
return answer
