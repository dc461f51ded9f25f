package embedded

import (
	"cmp"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// A change is made visible in memory at once and written to disk by the
// writer, which appends the changes queued since its last commit to the
// write-ahead log as one frame (wal.go: one fsync for many changes); the
// checkpointer copies them into the bbolt file later (checkpoint.go).
// Changes reach the disk in the order they were made. A caller that must
// not answer before its change is durable (an ingest, an acknowledgement,
// the claim of a page about to be sent) waits for the commit that holds
// it; the others go on, and are made durable by the next commit, before
// any later change that waits.
//
// A duplicate alert changes only its record's count and last-seen time.
// Such a write is lazy: the writer keeps the latest of each record's lazy
// writes and commits them once every countsEvery, so that an alert storm
// of re-sent alerts costs one write per alert per interval rather than one
// per re-send. Any other write of the same record supersedes its lazy one.
// A crash loses at most the last interval's counts; the alerts themselves
// are on disk already.
//
// A change's records are encoded by its caller, after the store's lock is
// released and in parallel with other callers; the writer takes the
// changes in the order they were queued, each once it is encoded, and only
// frames the bytes. Lazy writes are encoded by the writer when it commits
// them.
//
// When a commit or a checkpoint fails, memory is ahead of the disk: the
// store then refuses every further change (and Ping fails), so that the
// process is restarted and reloads what the disk holds.

// maxCommitBatch bounds the changes one commit writes.
const maxCommitBatch = 4096

// flush is one change's writes on their way to disk.
type flush struct {
	writes  []write
	encoded chan struct{} // closed once every write but the lazy ones is encoded
	done    chan struct{}
	err     error
}

// encode encodes the flush's writes but the lazy ones, and lets the writer
// take them.
func (f *flush) encode() {
	defer close(f.encoded)
	for i := range f.writes {
		if wr := &f.writes[i]; !wr.lazy {
			wr.encode()
		}
	}
}

// wait blocks until the change is on disk.
func (f *flush) wait() error {
	<-f.done
	return f.err
}

// write is one record to put (or, with a nil value, to delete). Records
// are never modified once installed, so the value may be encoded after the
// store's lock is released.
type write struct {
	bucket []byte
	key    string
	value  any
	lazy   bool // a duplicate's count: may wait for the next counts commit
	data   []byte
	err    error // from encoding the value
}

// recordKey names a record across buckets.
type recordKey struct {
	bucket byte // its log code
	key    string
}

func keyOf(wr *write) recordKey { return recordKey{bucketCode(wr.bucket), wr.key} }

// writer owns the goroutine that commits queued changes. Having taken a
// change, it gathers more for up to delay before committing.
type writer struct {
	log   *wal
	ckpt  *checkpointer
	delay time.Duration
	queue chan *flush
	done  sync.WaitGroup

	// Owned by the writer's goroutine.
	lazy       map[recordKey]write
	lazyTicker *time.Ticker // when to commit the lazy writes

	mu     sync.Mutex
	broken error
}

// newWriter starts a writer appending to log, and its checkpointer copying
// into db.
func newWriter(db *bbolt.DB, log *wal, opts Options) *writer {
	w := &writer{log: log, delay: max(opts.CommitDelay, 0), queue: make(chan *flush, maxCommitBatch),
		lazy: map[recordKey]write{}, lazyTicker: time.NewTicker(cmp.Or(opts.CountsEvery, time.Second))}
	w.ckpt = newCheckpointer(db, log.dir, log.seg, cmp.Or(opts.CheckpointEvery, time.Second),
		cmp.Or(opts.CheckpointBytes, 4<<20), w.fail)
	w.done.Go(w.run)
	return w
}

// enqueue queues a change's writes; the store's lock orders the calls.
// The caller must then call the flush's encode.
func (w *writer) enqueue(writes []write) *flush {
	f := &flush{writes: writes, encoded: make(chan struct{}), done: make(chan struct{})}
	w.queue <- f
	return f
}

// failed returns the error that broke the writer, if any.
func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.broken
}

// fail breaks the writer with err, unless it is broken already.
func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken == nil {
		w.broken = fmt.Errorf("%w: %w", engine.ErrUnavailable, err)
	}
}

// close commits what is queued, and the lazy writes, checkpoints
// everything and stops.
func (w *writer) close() error {
	close(w.queue)
	w.done.Wait()
	err := w.log.close()
	if cerr := w.ckpt.close(w.log.seg + 1); cerr != nil {
		err = cerr
	}
	return err
}

func (w *writer) run() {
	defer w.lazyTicker.Stop()
	for {
		select {
		case first, ok := <-w.queue:
			if !ok {
				w.commit(nil, true)
				return
			}
			w.commit(w.gather(first), false)
		case <-w.lazyTicker.C:
			if len(w.lazy) > 0 {
				w.commit(nil, true)
			}
		}
	}
}

// commit appends a batch to the log as one frame, with the lazy writes
// when withLazy, hands it to the checkpointer, and tells the batch's
// callers. A batch of nothing but lazy writes and syncs needs no frame:
// what came before it is on disk already.
func (w *writer) commit(batch []*flush, withLazy bool) {
	writes := w.setLazyAside(batch)
	if withLazy {
		for _, wr := range w.lazy {
			writes = append(writes, wr)
		}
	}
	err := w.failed()
	if err == nil && len(writes) > 0 {
		err = w.append(writes)
	}
	if err == nil && withLazy {
		clear(w.lazy)
	}
	for _, f := range batch {
		f.err = err
		close(f.done)
	}
}

// append encodes what is not encoded yet (the lazy writes), appends the
// writes to the log and hands them to the checkpointer.
func (w *writer) append(writes []write) error {
	for i := range writes {
		wr := &writes[i]
		if wr.value != nil && wr.data == nil && wr.err == nil {
			wr.encode()
		}
		if wr.err != nil {
			w.fail(fmt.Errorf("commit: %w", wr.err))
			return w.failed()
		}
	}
	seg, err := w.log.append(writes)
	if err != nil {
		w.fail(fmt.Errorf("commit: %w", err))
		return w.failed()
	}
	w.ckpt.add(writes, seg)
	return nil
}

// setLazyAside returns the batch's writes in order but for the lazy ones,
// which it keeps (the latest of each record) for a later commit. A write
// that is not lazy supersedes the lazy one of its record.
func (w *writer) setLazyAside(batch []*flush) []write {
	n := 0
	for _, f := range batch {
		n += len(f.writes)
	}
	writes := make([]write, 0, n)
	for _, f := range batch {
		<-f.encoded
		for _, wr := range f.writes {
			k := keyOf(&wr)
			if wr.lazy {
				w.lazy[k] = wr
				continue
			}
			delete(w.lazy, k)
			writes = append(writes, wr)
		}
	}
	return writes
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

// record is the write as the log holds it; a put's value is never nil.
func (wr *write) record() walRecord {
	r := walRecord{bucket: wr.bucket, key: wr.key}
	if wr.value != nil {
		r.value = wr.data
		if r.value == nil {
			r.value = []byte{}
		}
	}
	return r
}

// encode encodes the write's value, if it has one.
func (wr *write) encode() {
	switch v := wr.value.(type) {
	case nil:
	case string:
		wr.data = []byte(v)
	case *heldAlert:
		wr.data, wr.err = jsonrecord.Marshal(v.record())
	default:
		wr.data, wr.err = jsonrecord.Marshal(v)
	}
	if wr.err != nil {
		wr.err = fmt.Errorf("encode %s %s: %w", wr.bucket, wr.key, wr.err)
	}
}
