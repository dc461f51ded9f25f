-- read_incident.lua: Store.Incident. Reads one incident in one step, so its
-- fields, timeline and pages agree.
--
-- KEYS: common.lua's.
-- ARGV: common.lua's head, then [HEAD+1] incident key.
-- Returns: common.lua's snapshot; its fields are empty when there is no
--          such incident.

return snapshot(ARGV[HEAD + 1])
