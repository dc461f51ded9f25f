-- duplicates.lua: the first look of Store.Ingest at a batch whose alerts
-- were all seen before: whether every alert is a duplicate of what the
-- store holds (common.lua's duplicate), answered without writing anything,
-- so that an alert storm's re-sends cost Redis no write and no fsync. The
-- store counts them in memory and adds the counts later (add_counts.lua).
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then [HEAD+1] number of alerts, then per alert:
--   id, status, event reason ('' for none).
-- Returns: {} when some alert is not a duplicate; otherwise per alert its
--          incident key ('' for none), and its first- and last-seen times
--          as stored.

local out = {}
for i = 0, tonumber(ARGV[HEAD + 1]) - 1 do
  local o = HEAD + 2 + i * 3
  local st = load_state(ARGV[o])
  if not st or not duplicate(st, {status = ARGV[o + 1], event = ARGV[o + 2]}) then
    return {}
  end
  out[#out + 1] = st.incident or ''
  out[#out + 1] = st.first_seen
  out[#out + 1] = st.last_seen
end
return out
