package embedded

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
)

// A change is made visible in memory at once and written to disk by the
// writer, which commits the changes queued since its last commit in one
// bbolt transaction (one fsync for many changes). Changes reach the disk in
// the order they were made. A caller that must not answer before its change
// is durable (an ingest, an acknowledgement, the claim of a page about to be
// sent) waits for the commit that holds it; the others go on, and are made
// durable by the next commit, before any later change that waits.
//
// When a commit fails, memory is ahead of the disk: the store then refuses
// every further change (and Ping fails), so that the process is restarted
// and reloads what the disk holds.

// maxCommitBatch bounds the changes one bbolt transaction writes.
const maxCommitBatch = 4096

// flush is one change's writes on their way to disk.
type flush struct {
	writes []write
	done   chan struct{}
	err    error
}

// wait blocks until the change is on disk.
func (f *flush) wait() error {
	<-f.done
	return f.err
}

// write is one record to put (or, with a nil value, to delete). The value
// is encoded by the writer: records are never modified once installed.
type write struct {
	bucket []byte
	key    string
	value  any
}

// writer owns the goroutine that commits queued changes. Having taken a
// change, it gathers more for up to delay before committing, so that a
// change and those it sets off (an ingest, its first escalation, the claim
// of its first page) share one fsync.
type writer struct {
	db     *bbolt.DB
	delay  time.Duration
	queue  chan *flush
	done   sync.WaitGroup
	mu     sync.Mutex
	broken error
}

func newWriter(db *bbolt.DB, delay time.Duration) *writer {
	w := &writer{db: db, delay: delay, queue: make(chan *flush, maxCommitBatch)}
	w.done.Go(w.run)
	return w
}

// enqueue queues a change's writes; the store's lock orders the calls.
func (w *writer) enqueue(writes []write) *flush {
	f := &flush{writes: writes, done: make(chan struct{})}
	w.queue <- f
	return f
}

// failed returns the error that broke the writer, if any.
func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.broken
}

// close commits what is queued and stops.
func (w *writer) close() {
	close(w.queue)
	w.done.Wait()
}

func (w *writer) run() {
	for first := range w.queue {
		batch := w.gather(first)
		err := w.failed()
		if err == nil {
			err = w.db.Update(func(tx *bbolt.Tx) error { return writeAll(tx, batch) })
		}
		if err != nil {
			err = fmt.Errorf("commit: %w: %w", engine.ErrUnavailable, err)
			w.mu.Lock()
			w.broken = err
			w.mu.Unlock()
		}
		for _, f := range batch {
			f.err = err
			close(f.done)
		}
	}
}

// gather takes first and whatever else is queued within the delay, up to a
// batch.
func (w *writer) gather(first *flush) []*flush {
	batch := []*flush{first}
	var deadline <-chan time.Time
	if w.delay > 0 {
		t := time.NewTimer(w.delay)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < maxCommitBatch {
		select {
		case f, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, f)
			continue
		default:
		}
		if deadline == nil {
			return batch
		}
		select {
		case f, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, f)
		case <-deadline:
			return batch
		}
	}
	return batch
}

func writeAll(tx *bbolt.Tx, batch []*flush) error {
	for _, f := range batch {
		for _, wr := range f.writes {
			if err := wr.apply(tx); err != nil {
				return err
			}
		}
	}
	return nil
}

func (wr *write) apply(tx *bbolt.Tx) error {
	b := tx.Bucket(wr.bucket)
	if wr.value == nil {
		return b.Delete([]byte(wr.key))
	}
	var data []byte
	switch v := wr.value.(type) {
	case string:
		data = []byte(v)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode %s %s: %w", wr.bucket, wr.key, err)
		}
	}
	return b.Put([]byte(wr.key), data)
}
