-- complete.lua: Store.Complete. Finishes a claimed timer whose lease still
-- holds, removing it or rescheduling it for a retry (a completion without
-- a timer skips this), then, unless the completion is fenced and its
-- incident has moved on, applies what running the timer decided: a
-- retrigger (an acknowledged incident triggered again, escalating from the
-- first step now), the escalation position, timeline entries, pages (a
-- pending page never replaces a recorded one), new timers (none for a page
-- recorded before this completion, none whose ID exists) and timers brought
-- forward to now. With a lease end given, it also claims, as claim_due.lua
-- does, the timers it creates (a retrigger's escalation included) and those
-- it was asked to bring forward that are due at now (scored at or before
-- now's due score) and not claimed; a timer it creates is written once,
-- already leased.
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
-- claims gathers the timers created or brought forward that are claimed.
local claims = new_claims(now_score, ARGV[HEAD + 13], ARGV[HEAD + 11], ARGV[HEAD + 12])

-- ending is set while the claimed timer is to be removed when the script
-- ends: unless the completion makes it again (the escalation's next step),
-- which then overwrites it in place.
local ending = false

-- finish marks the claimed timer to be removed, or reschedules it for a
-- retry; false when the lease is lost.
local function finish()
  local json = redis.call('HGET', K.timers, id)
  local t = json and cjson.decode(json)
  if not t or (t.lease or '') ~= lease then
    return false
  end
  if retry_due == '' then
    ending = true
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

-- settle removes the claimed timer if it is still to be removed.
local function settle()
  if ending then
    remove_timer(id)
    ending = false
  end
end

-- removing reports whether timer_id names the claimed timer, to be
-- removed: to the completion's steps it no longer exists.
local function removing(timer_id)
  return ending and timer_id == id
end

-- timer_exists reports whether timer timer_id is stored and not to be
-- removed.
local function timer_exists(timer_id)
  return not removing(timer_id) and redis.call('HEXISTS', K.timers, timer_id) == 1
end

-- remake is make_timer for the completion's timers: the claimed timer made
-- again is no longer to be removed.
local function remake(timer_id, t, score)
  if timer_id == id then
    ending = false
  end
  make_timer(claims, timer_id, t, score)
end

-- trigger_again moves an acknowledged incident back to triggered,
-- escalating from the first step now.
local function trigger_again(k)
  redis.call('HSET', k.fields, 'state', 'triggered', 'round', '0', 'step', '0')
  local new_gen = redis.call('HINCRBY', k.fields, 'gen', 1)
  local esc = ESC_PREFIX .. key
  remake(esc, timer_json(esc, 'escalate', key, new_gen, now), now_score)
end

-- page_recorded reports whether incident k has page page_key; known holds
-- the answers of the script so far.
local function page_recorded(k, known, page_key)
  if known[page_key] == nil then
    known[page_key] = redis.call('HEXISTS', k.pages, page_key) == 1
  end
  return known[page_key]
end

-- record_page adds or updates a page, and notes a sent one as the person's
-- latest incident.
local function record_page(k, known, page_key, person, status, json)
  if status == 'sent' then
    redis.call('HSET', K.last_paged, person, key)
  end
  if page_recorded(k, known, page_key) then
    if status ~= 'pending' then
      redis.call('HSET', k.pages, page_key, json)
    end
    return
  end
  redis.call('HSET', k.pages, page_key, json)
  redis.call('RPUSH', k.order, page_key)
  known[page_key] = true
end

-- bring_forward makes a pending timer that is not claimed due now, and
-- claims it when claims are asked for.
local function bring_forward(timer_id)
  local json = not removing(timer_id) and redis.call('HGET', K.timers, timer_id)
  local t = json and cjson.decode(json)
  if not t or (t.lease or '') ~= '' then
    return
  end
  local shard = shard_key(timer_id)
  local score = redis.call('ZSCORE', shard, timer_id)
  if not score then
    return
  end
  if tonumber(score) > tonumber(now_score) then
    t.due = now
    make_timer(claims, timer_id, t, now_score)
  elseif claims then
    claim_timer(claims, shard, timer_id, t)
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
  local known, recorded = {}, {}
  for i = 0, tonumber(ARGV[timers_at]) - 1 do
    local t = timers_at + 1 + i * 4
    recorded[i] = ARGV[t + 1] == 'page' and page_recorded(k, known, ARGV[t])
  end
  for i = 0, tonumber(ARGV[pages_at]) - 1 do
    local p = pages_at + 1 + i * 4
    record_page(k, known, ARGV[p], ARGV[p + 1], ARGV[p + 2], ARGV[p + 3])
  end
  for i = 0, tonumber(ARGV[timers_at]) - 1 do
    local t = timers_at + 1 + i * 4
    if not recorded[i] and not timer_exists(ARGV[t]) then
      remake(ARGV[t], ARGV[t + 3], ARGV[t + 2])
    end
  end
  for i = 1, tonumber(ARGV[forward_at]) do
    bring_forward(ARGV[forward_at + i])
  end
end

if id ~= '' and not finish() then
  return {'lease_lost'}
end
local k = incident_keys(key)
local fields = redis.call('HMGET', k.fields, 'state', 'gen')
if not fields[1] then
  settle()
  return {'ok'}
end
if not fence_holds(fields[1], fields[2]) then
  settle()
  return {'moved_on'}
end
if retrigger then
  trigger_again(k)
end
apply(k, HEAD + 14)
settle()
if not claims or #claims.out == 0 then
  return {'ok'}
end
local answer = {'ok', snapshot(key)}
for _, json in ipairs(claims.out) do
  answer[#answer + 1] = json
end
return answer
