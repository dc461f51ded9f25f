package receivers

import "sync"

// alertCache keeps the alerts read from recent webhooks, by their JSON byte
// for byte. An alert storm is the same alerts re-sent again and again, by
// each Alertmanager of a pair and at each repeat interval; an alert whose
// JSON is unchanged reads as before, so it is taken from here instead of
// being read again. What is kept is bounded in bytes of JSON: when the
// current generation is full it becomes the previous one and the one before
// is dropped, so the alerts re-sent within about a generation stay.
//
// The labels and annotations of an alert taken from here are the maps of
// the first read, shared by every read since: they are read-only, as every
// alert's are once read.
type alertCache struct {
	mu        sync.Mutex
	cur, prev map[string]amAlert
	curBytes  int
	genBytes  int // JSON bytes a generation holds
	longest   int // longest JSON kept
}

// recentAlerts is the cache of every Alertmanager webhook read.
var recentAlerts = newAlertCache(1<<20, 4<<10)

func newAlertCache(genBytes, longest int) *alertCache {
	return &alertCache{cur: map[string]amAlert{}, genBytes: genBytes, longest: longest}
}

// get returns the alert read from JSON raw, if it was read recently.
func (c *alertCache) get(raw []byte) (amAlert, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.cur[string(raw)]; ok {
		return a, true
	}
	a, ok := c.prev[string(raw)]
	if ok {
		c.add(string(raw), a)
	}
	return a, ok
}

// put keeps a, read from JSON raw, unless raw is longer than kept ones.
func (c *alertCache) put(raw []byte, a amAlert) {
	if len(raw) > c.longest {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(string(raw), a)
}

func (c *alertCache) add(raw string, a amAlert) {
	if c.curBytes+len(raw) > c.genBytes {
		c.prev, c.cur, c.curBytes = c.cur, make(map[string]amAlert, len(c.cur)), 0
	}
	c.cur[raw] = a
	c.curBytes += len(raw)
}
