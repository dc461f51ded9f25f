package redisstore

import (
	"fmt"
	"strconv"
	"strings"
)

// keys names every Redis key of one deployment. All of them start with the
// hash tag {prefix}, so they hash to one cluster slot and any script may
// touch any of them. No other file builds a key.
type keys struct {
	tag    string // "{klaxon}"
	shards int
}

func newKeys(prefix string, shards int) (keys, error) {
	if prefix == "" || strings.ContainsAny(prefix, "{}") {
		return keys{}, fmt.Errorf("key prefix %q must be non-empty and free of braces", prefix)
	}
	return keys{tag: "{" + prefix + "}", shards: shards}, nil
}

// meta is a hash of facts fixed when the deployment was created: the number
// of timer shards.
func (k keys) meta() string { return k.tag + ":meta" }

// seq is the counter of incident numbers.
func (k keys) seq() string { return k.tag + ":seq" }

// alerts is a hash: alert ID -> the alert as last received (JSON).
func (k keys) alerts() string { return k.tag + ":alerts" }

// alertState is a hash: alert ID -> what the store made of the alert
// (incident, count, first and last seen, status).
func (k keys) alertState() string { return k.tag + ":alert-state" }

// openGroups is a hash: group key -> key of the group's open incident.
func (k keys) openGroups() string { return k.tag + ":open-groups" }

// incidents is a sorted set of every incident key, scored by number.
func (k keys) incidents() string { return k.tag + ":incidents" }

// openIncidents is a sorted set of the keys of incidents not resolved,
// scored by number.
func (k keys) openIncidents() string { return k.tag + ":open-incidents" }

// lastPaged is a hash: person ID -> key of the incident last paged to them.
func (k keys) lastPaged() string { return k.tag + ":last-paged" }

// resolvedIncidents is a sorted set of the keys of resolved incidents,
// scored by when they were resolved (Unix ms), for purging.
func (k keys) resolvedIncidents() string { return k.tag + ":resolved-incidents" }

// looseAlerts is a sorted set of the IDs of alerts in no incident (events,
// and alerts resolved before joining one), scored by when each was last
// seen (Unix ms), for listing events and purging.
func (k keys) looseAlerts() string { return k.tag + ":loose-alerts" }

// timers is a hash: timer ID -> the timer (JSON).
func (k keys) timers() string { return k.tag + ":timers" }

// shard is sorted set i of timer IDs, scored by when each can next run.
func (k keys) shard(i int) string { return k.tag + ":due:" + strconv.Itoa(i) }

// The keys of one incident, as prefixes to which scripts append the
// incident key (scripts that open incidents learn their keys only as they
// run).
func (k keys) incidentPrefix() string  { return k.tag + ":incident:" }
func (k keys) timelinePrefix() string  { return k.tag + ":timeline:" }
func (k keys) pagesPrefix() string     { return k.tag + ":pages:" }
func (k keys) pageOrderPrefix() string { return k.tag + ":page-order:" }

// alertIndexPrefix prefixes the hash of an open incident's alert IDs, made
// once it lists more than its first array holds (common.lua).
func (k keys) alertIndexPrefix() string { return k.tag + ":alert-index:" }

// scriptKeys is KEYS for every script, in the order common.lua names them.
func (k keys) scriptKeys() []string {
	out := []string{k.meta(), k.seq(), k.alerts(), k.alertState(), k.openGroups(),
		k.incidents(), k.openIncidents(), k.lastPaged(), k.timers(), k.resolvedIncidents(), k.looseAlerts()}
	for i := range k.shards {
		out = append(out, k.shard(i))
	}
	return out
}

// scriptPrefixes is the head of ARGV for every script: the prefixes of an
// incident's keys, in the order common.lua names them.
func (k keys) scriptPrefixes() []any {
	return []any{k.incidentPrefix(), k.timelinePrefix(), k.pagesPrefix(), k.pageOrderPrefix(), k.alertIndexPrefix()}
}
