package embedded

import (
	"encoding/json"
	"fmt"
	"slices"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
)

// change is one transition in the making. It copies every record it
// modifies, so that nothing in memory changes until the change is on disk;
// commit writes it in one bbolt transaction and then installs the copies.
// The store's write lock is held for the whole change.
type change struct {
	s         *Store
	seq       int64
	incidents map[string]*engine.Incident    // nil: removed
	alerts    map[string]*engine.AlertRecord // nil: removed
	timers    map[string]*engine.Timer       // nil: removed
	open      map[string]string              // group key -> key; "": closed
	lastPaged map[string]string
}

func (s *Store) begin() *change {
	return &change{s: s, seq: s.seq,
		incidents: map[string]*engine.Incident{}, alerts: map[string]*engine.AlertRecord{},
		timers: map[string]*engine.Timer{}, open: map[string]string{}, lastPaged: map[string]string{}}
}

// incident returns a modifiable copy of an incident, or nil.
func (c *change) incident(key string) *engine.Incident {
	if inc, ok := c.incidents[key]; ok {
		return inc
	}
	cur, ok := c.s.incidents[key]
	if !ok {
		return nil
	}
	inc := *cur
	inc.Alerts = slices.Clone(cur.Alerts)
	inc.Pages = slices.Clone(cur.Pages)
	inc.Timeline = slices.Clone(cur.Timeline)
	c.incidents[key] = &inc
	return &inc
}

// peekIncident returns an incident for reading, as the change sees it.
func (c *change) peekIncident(key string) *engine.Incident {
	if inc, ok := c.incidents[key]; ok {
		return inc
	}
	return c.s.incidents[key]
}

func (c *change) addIncident(inc *engine.Incident) { c.incidents[inc.Key] = inc }

// alert returns a modifiable copy of an alert record, or nil.
func (c *change) alert(id string) *engine.AlertRecord {
	if a, ok := c.alerts[id]; ok {
		return a
	}
	cur, ok := c.s.alerts[id]
	if !ok {
		return nil
	}
	a := *cur
	c.alerts[id] = &a
	return &a
}

func (c *change) putAlert(a *engine.AlertRecord) { c.alerts[a.ID()] = a }

func (c *change) removeIncident(key string) { c.incidents[key] = nil }
func (c *change) removeAlert(id string)     { c.alerts[id] = nil }

func (c *change) timer(id string) *engine.Timer {
	if t, ok := c.timers[id]; ok {
		return t
	}
	return c.s.timers.get(id)
}

func (c *change) putTimer(t engine.Timer) { c.timers[t.ID] = &t }
func (c *change) removeTimer(id string)   { c.timers[id] = nil }

// openIncident returns the key of the group's open incident, or "".
func (c *change) openIncident(group string) string {
	if k, ok := c.open[group]; ok {
		return k
	}
	return c.s.open[group]
}

// commit writes the change to disk, then makes it visible.
func (c *change) commit() error {
	if err := c.s.db.Update(c.write); err != nil {
		return fmt.Errorf("commit: %w: %w", engine.ErrUnavailable, err)
	}
	c.install()
	return nil
}

func (c *change) write(tx *bbolt.Tx) error {
	if c.seq != c.s.seq {
		if err := putJSON(tx.Bucket(bucketMeta), string(keySeq), c.seq); err != nil {
			return err
		}
	}
	for k, inc := range c.incidents {
		if err := putOrDelete(tx.Bucket(bucketIncidents), k, inc); err != nil {
			return err
		}
	}
	for k, a := range c.alerts {
		if err := putOrDelete(tx.Bucket(bucketAlerts), k, a); err != nil {
			return err
		}
	}
	for k, t := range c.timers {
		if err := putOrDelete(tx.Bucket(bucketTimers), k, t); err != nil {
			return err
		}
	}
	for person, key := range c.lastPaged {
		if err := tx.Bucket(bucketLastPaged).Put([]byte(person), []byte(key)); err != nil {
			return err
		}
	}
	return nil
}

// putOrDelete writes v under key, or deletes key when v is nil.
func putOrDelete[T any](b *bbolt.Bucket, key string, v *T) error {
	if v == nil {
		return b.Delete([]byte(key))
	}
	return putJSON(b, key, v)
}

func putJSON(b *bbolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

func (c *change) install() {
	s := c.s
	s.seq = c.seq
	installMap(s.incidents, c.incidents)
	installMap(s.alerts, c.alerts)
	for k, t := range c.timers {
		if t == nil {
			s.timers.remove(k)
		} else {
			s.timers.put(t)
		}
	}
	for g, k := range c.open {
		if k == "" {
			delete(s.open, g)
		} else {
			s.open[g] = k
		}
	}
	for p, k := range c.lastPaged {
		s.lastPaged[p] = k
	}
}

// installMap copies changed records into m, deleting the removed ones.
func installMap[T any](m, changed map[string]*T) {
	for k, v := range changed {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
}
