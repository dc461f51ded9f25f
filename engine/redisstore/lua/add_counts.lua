-- add_counts.lua: adds the duplicates a store counted in memory to their
-- alerts' records: each count, and the last-seen time when the record's is
-- still the one its counting began from (a later write keeps its own). A
-- record purged meanwhile, or made anew (another first-seen time), is
-- skipped.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then [HEAD+1] number of alerts, then per alert:
--   id, the record's first-seen time, count to add, the record's last-seen
--   time when counting began, the count's last-seen time (as Go writes
--   times), and the same in Unix ms (rounded down).
-- Returns: 0.

for i = 0, tonumber(ARGV[HEAD + 1]) - 1 do
  local o = HEAD + 2 + i * 6
  local id = ARGV[o]
  local st = load_state(id)
  if st and st.first_seen == ARGV[o + 1] then
    st.count = int(tonumber(st.count) + tonumber(ARGV[o + 2]))
    if st.last_seen == ARGV[o + 3] then
      st.last_seen = ARGV[o + 4]
      if not st.incident then
        redis.call('ZADD', K.loose_alerts, ARGV[o + 5], id)
      end
    end
    redis.call('HSET', K.alert_state, id, cjson.encode(st))
  end
end
return 0
