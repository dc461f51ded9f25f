package redisstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/recent"
)

// duplicates counts an alert storm's re-sends in memory. A batch whose
// alerts this store has all seen recently is first looked at read-only
// (duplicates.lua); when every alert is a duplicate, the batch is answered
// from that look and its counts wait here, to be added to Redis every
// CountEvery (add_counts.lua), before Events and Purge (whose index of
// last-seen times must hold them), and when the store closes. Alert reads
// through this store add what waits. So a storm of duplicates costs Redis
// one read a webhook and no fsync, at the price of the counts and last-seen
// times of the last CountEvery: other replicas see them that much later,
// and a crash of this process loses them.
type duplicates struct {
	every time.Duration

	// flushing is held to add the counts to Redis, and for reading to read
	// a record and add what waits for it: a read sees the counts either in
	// Redis or here, never in neither nor in both.
	flushing sync.RWMutex

	mu      sync.Mutex
	pending map[string]pendingCount
	// seen is the alert IDs stored or looked up most recently, 64Ki to
	// 128Ki of them: a hint of which batches may be duplicates only.
	seen *recent.Map[struct{}]

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	lost     error // set before done is closed
}

// pendingCount is what waits to be added to one alert's record: the record
// first seen at firstSeen (a record made anew after a purge is another).
type pendingCount struct {
	firstSeen string
	n         int64
	// base is the record's last-seen time as the latest count read it: the
	// count's own last-seen time replaces it only if no write has changed
	// it since.
	base     string
	lastSeen time.Time
}

// recentIDsKept is how many distinct alert IDs a generation of
// duplicates.seen holds.
const recentIDsKept = 1 << 16

// allSeen reports whether every alert of batch was seen recently.
func (d *duplicates) allSeen(batch []engine.Classified) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range batch {
		if _, ok := recent.Get(d.seen, batch[i].ID()); !ok {
			return false
		}
	}
	return true
}

// saw notes the alerts of a batch that was stored.
func (d *duplicates) saw(batch []engine.Classified) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range batch {
		d.seen.Put(batch[i].ID(), struct{}{})
	}
}

// count adds one duplicate of alert id seen at now, whose record was first
// seen at firstSeen and last seen at base (as stored).
func (d *duplicates) count(id, firstSeen, base string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pending[id]
	if !ok || p.firstSeen != firstSeen {
		p = pendingCount{firstSeen: firstSeen}
	}
	p.base = base
	p.n++
	p.lastSeen = later(p.lastSeen, now)
	d.pending[id] = p
}

// addTo adds what waits for rec to it.
func (d *duplicates) addTo(rec *engine.AlertRecord) {
	d.mu.Lock()
	p, ok := d.pending[rec.ID()]
	d.mu.Unlock()
	if ok && p.firstSeen == formatTime(rec.FirstSeen) {
		rec.Count += p.n
		rec.LastSeen = later(rec.LastSeen, p.lastSeen)
	}
}

// take empties what waits and returns it.
func (d *duplicates) take() map[string]pendingCount {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.pending
	d.pending = map[string]pendingCount{}
	return p
}

// giveBack returns counts whose adding failed, to be added with the next;
// a count begun since on a record made anew replaces its record's.
func (d *duplicates) giveBack(counts map[string]pendingCount) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, c := range counts {
		p, ok := d.pending[id]
		switch {
		case !ok:
			d.pending[id] = c
		case p.firstSeen == c.firstSeen:
			p.n += c.n
			p.lastSeen = later(c.lastSeen, p.lastSeen)
			d.pending[id] = p
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// countDuplicates answers a batch of duplicates only from a read-only look,
// counting them in memory; false when some alert of batch is not a
// duplicate (or was not seen recently), for the batch to be ingested.
func (s *Store) countDuplicates(ctx context.Context, now time.Time, batch []engine.Classified) ([]engine.IngestResult, bool, error) {
	if !s.dups.allSeen(batch) {
		return nil, false, nil
	}
	args := make([]any, 0, 1+3*len(batch))
	args = append(args, len(batch))
	for i := range batch {
		args = append(args, batch[i].ID(), string(batch[i].Status), string(batch[i].Event))
	}
	v, err := s.run(ctx, scriptDuplicates, "look for duplicates", args...)
	if err != nil {
		return nil, false, err
	}
	items, _ := v.([]any)
	if len(items) != 3*len(batch) {
		return nil, false, nil
	}
	out := make([]engine.IngestResult, len(batch))
	for i := range batch {
		incident, _ := items[3*i].(string)
		first, _ := items[3*i+1].(string)
		base, _ := items[3*i+2].(string)
		id := batch[i].ID()
		s.dups.count(id, first, base, now)
		out[i] = engine.IngestResult{AlertID: id, Outcome: engine.OutcomeDuplicate, Incident: incident, Priority: batch[i].Priority}
	}
	return out, true, nil
}

// FlushCounts adds the duplicates counted in memory to Redis
// (add_counts.lua); what it could not add waits for the next time.
func (s *Store) FlushCounts(ctx context.Context) error {
	s.dups.flushing.Lock()
	defer s.dups.flushing.Unlock()
	counts := s.dups.take()
	if len(counts) == 0 {
		return nil
	}
	args := make([]any, 0, 1+6*len(counts))
	args = append(args, len(counts))
	for id, c := range counts {
		args = append(args, id, c.firstSeen, c.n, c.base, formatTime(c.lastSeen), nowScore(c.lastSeen))
	}
	if _, err := s.run(ctx, scriptAddCounts, "add duplicate counts", args...); err != nil {
		s.dups.giveBack(counts)
		return err
	}
	return nil
}

func newDuplicates(every time.Duration) *duplicates {
	return &duplicates{every: every, pending: map[string]pendingCount{},
		seen: recent.New[struct{}](recentIDsKept, func(string) int { return 1 }),
		stop: make(chan struct{}), done: make(chan struct{})}
}

// stopFlushing stops flushEvery, which adds the counts once more, and
// returns what that could not add.
func (d *duplicates) stopFlushing() error {
	d.stopOnce.Do(func() { close(d.stop) })
	<-d.done
	return d.lost
}

// flushEvery adds the counts every CountEvery until stopped, then once more.
func (s *Store) flushEvery() {
	defer close(s.dups.done)
	tick := time.NewTicker(s.dups.every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.dups.every)
			_ = s.FlushCounts(ctx) // kept for the next tick when it fails
			cancel()
		case <-s.dups.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.FlushCounts(ctx); err != nil {
				s.dups.lost = fmt.Errorf("duplicate counts not added on close: %w", err)
			}
			return
		}
	}
}
