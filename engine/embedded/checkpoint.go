package embedded

import (
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// checkpointer copies into the bbolt file what the log's frames wrote: the
// latest write of each record since its last checkpoint, in one
// transaction, every interval or once the writes it holds pass a size. The
// same transaction records the segment of the last frame it copied as the
// one the log is replayed from; the segments before it are then removed.
// When checkpoints fall behind, so that the records held for them pass
// heldFactor times the size, the writer waits for the checkpoint in
// progress: the disk's pace, not memory, then bounds the pace of changes.
type checkpointer struct {
	db       *bbolt.DB
	dir      string
	every    time.Duration
	maxBytes int
	fail     func(error)

	mu      sync.Mutex
	pending map[recordKey]walRecord
	// spare is the map a checkpoint copied, emptied, for pending to be
	// next: only the checkpoints' goroutine uses it.
	spare   map[recordKey]walRecord
	bytes   int
	copying int        // the bytes of the checkpoint in progress
	copied  *sync.Cond // a checkpoint ended
	ended   bool       // no checkpoint is coming: stop waiting for one
	seg     uint64     // the segment of the last frame in pending
	removed uint64     // the segments below it are removed
	// broken is set when a checkpoint failed: its writes are in the log
	// alone, so the log is never cut again until Open replays it.
	broken bool

	kick chan struct{}
	stop chan struct{}
	done sync.WaitGroup
}

func newCheckpointer(db *bbolt.DB, dir string, seg uint64, every time.Duration, maxBytes int, fail func(error)) *checkpointer {
	c := &checkpointer{db: db, dir: dir, every: every, maxBytes: maxBytes, fail: fail,
		pending: map[recordKey]walRecord{}, seg: seg, removed: seg,
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
	c.copied = sync.NewCond(&c.mu)
	c.done.Go(c.run)
	return c
}

// heldFactor bounds the records held for checkpoints, as a multiple of the
// size that starts one: 256 MiB by default, so that a burst of changes (an
// alert storm's incidents and pages) goes at the log's pace, and only a
// sustained one at the data file's.
const heldFactor = 64

// add takes the writes of a frame now in segment seg. It returns once the
// records held for checkpoints are within their bound.
func (c *checkpointer) add(writes []write, seg uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range writes {
		wr := &writes[i]
		c.pending[keyOf(wr)] = wr.record()
		c.bytes += len(wr.key) + len(wr.data)
	}
	c.seg = seg
	if c.bytes >= c.maxBytes {
		c.start()
	}
	for c.bytes+c.copying >= heldFactor*c.maxBytes && !c.ended {
		c.start()
		c.copied.Wait()
	}
}

// start asks for a checkpoint now.
func (c *checkpointer) start() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	defer func() {
		c.mu.Lock()
		c.ended = true
		c.copied.Broadcast()
		c.mu.Unlock()
	}()
	for {
		select {
		case <-tick.C:
		case <-c.kick:
		case <-c.stop:
			return
		}
		if c.checkpoint(0) != nil {
			return
		}
	}
}

// close stops the checkpoints and makes a last one, which records next as
// the segment to replay from when the log has nothing past it.
func (c *checkpointer) close(next uint64) error {
	close(c.stop)
	c.done.Wait()
	return c.checkpoint(next)
}

// checkpoint copies the pending writes into the bbolt file and removes the
// segments it made unneeded. With from > 0 the log is replayed from
// segment from instead of from the last frame's. A failure breaks the
// writer.
func (c *checkpointer) checkpoint(from uint64) error {
	err := c.copyPending(from)
	if err != nil {
		c.fail(fmt.Errorf("checkpoint the log: %w", err))
	}
	return err
}

// maxSpareRecords bounds the map kept for the next checkpoint: a map
// keeps the room it grew to, and after a burst that would be the burst's.
const maxSpareRecords = 1 << 16

// keepSpare keeps m, emptied, for the checkpoint after the next, so that
// a steady stream of changes does not grow a new map for each checkpoint.
func (c *checkpointer) keepSpare(m map[recordKey]walRecord) {
	if len(m) > maxSpareRecords {
		return
	}
	clear(m)
	c.spare = m
}

// copyPending copies the pending writes in one transaction. A checkpoint
// that finds none lets both maps go, so that the room they grew to in a
// burst is not held once the burst is over.
func (c *checkpointer) copyPending(from uint64) error {
	c.mu.Lock()
	pending, seg := c.pending, c.seg
	next := c.spare
	if next == nil || len(pending) == 0 {
		next = map[recordKey]walRecord{}
	}
	c.pending, c.spare, c.copying, c.bytes = next, nil, c.bytes, 0
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.copying = 0
		c.copied.Broadcast()
		c.mu.Unlock()
		if len(pending) > 0 {
			c.keepSpare(pending)
		}
	}()
	if c.broken {
		return nil
	}
	if from > 0 {
		seg = from
	}
	if len(pending) == 0 && seg == c.removed {
		return nil
	}
	err := c.db.Update(func(tx *bbolt.Tx) error {
		for _, w := range pending {
			if err := w.apply(tx); err != nil {
				return err
			}
		}
		return putWALFrom(tx, seg)
	})
	if err != nil {
		c.broken = true
		return err
	}
	segs, err := segments(c.dir)
	if err == nil {
		err = removeSegments(c.dir, segs, seg)
	}
	if err != nil {
		return err
	}
	c.removed = seg
	return nil
}
