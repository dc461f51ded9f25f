package receivers

import (
	"sync"

	"github.com/klaxonhq/klaxon/internal/recent"
)

// alertCache keeps the alerts read from recent webhooks, by their JSON byte
// for byte. An alert storm is the same alerts re-sent again and again, by
// each Alertmanager of a pair and at each repeat interval; an alert whose
// JSON is unchanged reads as before, so it is taken from here instead of
// being read again. What is kept is bounded in bytes of JSON, in two
// generations (internal/recent), so the alerts re-sent within about a
// generation stay.
//
// The labels and annotations of an alert taken from here are the maps of
// the first read, shared by every read since: they are read-only, as every
// alert's are once read.
type alertCache struct {
	mu      sync.Mutex
	alerts  *recent.Map[amAlert]
	longest int // longest JSON kept
}

// recentAlerts is the cache of every Alertmanager webhook read.
var recentAlerts = newAlertCache(1<<20, 4<<10)

// newAlertCache keeps generations of genBytes of JSON, of alerts of at
// most longest bytes.
func newAlertCache(genBytes, longest int) *alertCache {
	return &alertCache{alerts: recent.New[amAlert](genBytes, func(raw string) int { return len(raw) }), longest: longest}
}

// get returns the alert read from JSON raw, if it was read recently.
func (c *alertCache) get(raw []byte) (amAlert, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return recent.Get(c.alerts, raw)
}

// put keeps a, read from JSON raw, unless raw is longer than kept ones.
func (c *alertCache) put(raw []byte, a amAlert) {
	if len(raw) > c.longest {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alerts.Put(string(raw), a)
}
