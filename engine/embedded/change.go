package embedded

import (
	"slices"

	"github.com/klaxonhq/klaxon/engine"
)

// change is one transition in the making. It copies every record it
// modifies, so that nothing in memory changes until it is complete; commit
// installs the copies and queues them for the disk (writer.go). The store's
// write lock is held for the whole change. mustWait marks a change whose
// caller may not go on before it is on disk.
type change struct {
	s         *Store
	seq       int64
	incidents map[string]*engine.Incident // nil: removed
	alerts    map[string]*heldAlert       // nil: removed
	timers    map[string]*engine.Timer    // nil: removed
	open      map[string]string           // group key -> key; "": closed
	lastPaged map[string]string
	// counted are the alerts the change only counted as duplicates: their
	// writes are lazy.
	counted  map[string]bool
	mustWait bool
	// committed, when set, runs once the change is installed, before the
	// disk has it.
	committed func()
}

// update runs f on a new change under the store's write lock, commits what
// it changed, and waits for the disk when f set mustWait. It returns f's
// error after committing its changes (a stale completion still removes its
// timer).
func (s *Store) update(f func(c *change) error) error {
	s.mu.Lock()
	if err := s.writer.failed(); err != nil {
		s.mu.Unlock()
		return err
	}
	c := s.begin()
	err := f(c)
	var fl *flush
	if !c.empty() {
		fl = c.commit()
	}
	s.mu.Unlock()
	if fl != nil {
		fl.encode()
	}
	if len(c.timers) > 0 {
		if f := s.onTimers.Load(); f != nil {
			(*f)()
		}
	}
	if fl != nil && c.committed != nil {
		c.committed()
	}
	if fl != nil && c.mustWait {
		if werr := fl.wait(); werr != nil {
			return werr
		}
	}
	return err
}

// begin starts a change. Its maps are made when first written: most
// changes touch few kinds of record.
func (s *Store) begin() *change {
	return &change{s: s, seq: s.seq, lastPaged: map[string]string{}}
}

// set puts v at k in *m, making the map on first use.
func set[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = make(map[K]V)
	}
	(*m)[k] = v
}

// incident returns a modifiable copy of an incident, or nil. Its pages are
// copied, since a change updates them in place. Its alert IDs and timeline
// are only ever appended to, so the copy shares their arrays: it appends
// past the length of the incident it copies, which no reader of that one
// looks at, and only one change at a time runs. Nothing outside the store
// gets those arrays with room to append (readOnly).
func (c *change) incident(key string) *engine.Incident {
	if inc, ok := c.incidents[key]; ok {
		return inc
	}
	cur, ok := c.s.incidents[key]
	if !ok {
		return nil
	}
	inc := *cur
	inc.Pages = slices.Clone(cur.Pages)
	set(&c.incidents, key, &inc)
	return &inc
}

// readOnly returns a copy of inc for outside the store. Its slices are
// clipped to their length, so that a caller's append copies them rather
// than writing where the store's next change appends.
func readOnly(inc *engine.Incident) engine.Incident {
	out := *inc
	out.Alerts, out.Pages, out.Timeline = slices.Clip(out.Alerts), slices.Clip(out.Pages), slices.Clip(out.Timeline)
	return out
}

// peekIncident returns an incident for reading, as the change sees it.
func (c *change) peekIncident(key string) *engine.Incident {
	if inc, ok := c.incidents[key]; ok {
		return inc
	}
	return c.s.incidents[key]
}

func (c *change) addIncident(inc *engine.Incident) { set(&c.incidents, inc.Key, inc) }

// alert returns a modifiable copy of an alert record, or nil.
func (c *change) alert(id string) *heldAlert {
	if a, ok := c.alerts[id]; ok {
		return a
	}
	cur, ok := c.s.alerts[id]
	if !ok {
		return nil
	}
	a := *cur
	set(&c.alerts, id, &a)
	return &a
}

func (c *change) putAlert(id string, a *heldAlert) { set(&c.alerts, id, a) }

func (c *change) removeIncident(key string) { set(&c.incidents, key, nil) }
func (c *change) removeAlert(id string)     { set(&c.alerts, id, nil) }

func (c *change) timer(id string) *engine.Timer {
	if t, ok := c.timers[id]; ok {
		return t
	}
	return c.s.timers.get(id)
}

func (c *change) putTimer(t engine.Timer) { set(&c.timers, t.ID, &t) }
func (c *change) removeTimer(id string)   { set(&c.timers, id, nil) }

// openIncident returns the key of the group's open incident, or "".
func (c *change) openIncident(group string) string {
	if k, ok := c.open[group]; ok {
		return k
	}
	return c.s.open[group]
}

// discard drops everything the change made: a transition that refuses
// changes nothing.
func (c *change) discard() { *c = *c.s.begin() }

// empty reports whether the change changes nothing.
func (c *change) empty() bool {
	return c.seq == c.s.seq && len(c.incidents) == 0 && len(c.alerts) == 0 && len(c.timers) == 0 &&
		len(c.open) == 0 && len(c.lastPaged) == 0
}

// commit makes the change visible and queues it for the disk.
func (c *change) commit() *flush {
	writes := c.writes()
	c.install()
	return c.s.writer.enqueue(writes)
}

// writes lists the records the change puts or deletes.
func (c *change) writes() []write {
	ws := make([]write, 0, 1+3*len(c.incidents)+len(c.alerts)+len(c.timers)+len(c.lastPaged))
	if c.seq != c.s.seq {
		ws = append(ws, write{bucket: bucketMeta, key: string(keySeq), value: c.seq})
	}
	for key, inc := range c.incidents {
		ws = c.appendIncidentWrites(ws, key, inc)
	}
	ws = appendPlacedWrites(ws, bucketAlerts, c.alerts, func(id string) *heldAlert { return c.s.alerts[id] },
		func(a *heldAlert) string { return a.Incident }, func(id string) bool { return c.counted[id] })
	ws = appendPlacedWrites(ws, bucketTimers, c.timers, c.s.timers.get,
		func(t *engine.Timer) string { return t.Incident }, func(string) bool { return false })
	for person, key := range c.lastPaged {
		ws = append(ws, write{bucket: bucketLastPaged, key: person, value: key})
	}
	return ws
}

func (c *change) install() {
	s := c.s
	s.seq = c.seq
	for key, inc := range c.incidents {
		if inc != nil && !c.writtenWhole(key, inc) {
			s.inParts[key] = true
		} else {
			delete(s.inParts, key)
		}
		if inc == nil || !inc.Open() {
			delete(s.alertIndexes, key) // only an open incident is joined
		}
	}
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
