// Package embedded is Klaxon's default store: alerts, incidents and timers
// kept in memory for reads and written through to a write-ahead log in the
// data directory before any transition that waits returns, so that a
// process killed at any point restarts with everything it answered for.
// The log is copied into a bbolt file (klaxon.db) in the background and
// replayed into it when the store opens.
package embedded

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// Bucket names in the bbolt file.
var (
	bucketIncidents = []byte("incidents")
	bucketAlerts    = []byte("alerts")
	bucketTimers    = []byte("timers")
	bucketLastPaged = []byte("last_paged")
	bucketMeta      = []byte("meta")
	keySeq          = []byte("incident_seq")
	keyLayout       = []byte("layout")
)

// storeLayout numbers the way this version writes the data file: 2 writes
// large incidents in parts (parts.go), 3 keys incidents, alerts and timers
// by incident number (placement.go). Open refuses a file a later layout
// wrote, whose records it might misread, and marks the files it opens with
// its own.
const storeLayout = 3

// Options configure the embedded store.
type Options struct {
	// IncidentPrefix starts every incident key (default "INC").
	IncidentPrefix string
	// CommitDelay is how long a commit gathers changes before writing them
	// (default and negative: none; the changes queued while the last
	// commit was being written make the next one).
	CommitDelay time.Duration
	// CountsEvery is how often the counts and last-seen times of
	// duplicate alerts are written (default 1s).
	CountsEvery time.Duration
	// CheckpointEvery is how often the log is copied into the bbolt file
	// (default 1s); CheckpointBytes copies it sooner once the records
	// written since the last copy pass that size (default 4 MiB). Until
	// then the store holds those records' bytes in memory.
	CheckpointEvery time.Duration
	CheckpointBytes int
}

// Store is the embedded engine.Store. Reads are served from memory; every
// transition is computed on copies, installed in memory, and written to disk
// by group commit (writer.go, wal.go, checkpoint.go).
type Store struct {
	db     *bbolt.DB
	writer *writer
	prefix string

	// onTimers is called when a change adds or moves timers, before it is
	// on disk, so that an engine can start on them at once.
	onTimers atomic.Pointer[func()]

	mu        sync.RWMutex
	seq       int64
	incidents map[string]*engine.Incident
	alerts    map[string]*heldAlert
	open      map[string]string // group key -> open incident key
	lastPaged map[string]string // person -> incident key
	timers    timerQueue
	// inParts holds the incidents whose timeline entries and alert IDs are
	// records of their own (parts.go).
	inParts map[string]bool
	// alertIndexes index the alert lists of incidents of many alerts, for
	// changes only (parts.go).
	alertIndexes map[string]alertIndex
}

var _ engine.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir and loads it into memory.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "klaxon.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second,
		// The freelist is rebuilt on open rather than written at every
		// commit, and the map is sized so that growth rarely remaps it.
		NoFreelistSync: true, FreelistType: bbolt.FreelistMapType, InitialMmapSize: 256 << 20})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{
		db:           db,
		prefix:       cmp.Or(opts.IncidentPrefix, "INC"),
		incidents:    map[string]*engine.Incident{},
		alerts:       map[string]*heldAlert{},
		open:         map[string]string{},
		lastPaged:    map[string]string{},
		timers:       newTimerQueue(),
		inParts:      map[string]bool{},
		alertIndexes: map[string]alertIndex{},
	}
	if err := s.start(dir, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

// start replays the log into the bbolt file, loads the file into memory
// and starts the writer on a new log segment.
func (s *Store) start(dir string, opts Options) error {
	if err := claimLayout(s.db); err != nil {
		return err
	}
	seg, err := replayLog(s.db, dir)
	if err != nil {
		return fmt.Errorf("replay the log: %w", err)
	}
	if err := s.load(); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	log, err := openWAL(dir, seg, walSegmentBytes)
	if err != nil {
		return err
	}
	s.writer = newWriter(s.db, log, opts)
	return nil
}

// claimLayout refuses a file written in a later layout than storeLayout,
// changing nothing, and marks any other with storeLayout.
func claimLayout(db *bbolt.DB) error {
	return db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		var have int64
		if v := meta.Get(keyLayout); v != nil {
			if err := jsonrecord.Unmarshal(v, &have); err != nil {
				return fmt.Errorf("layout %q: %w", v, err)
			}
		}
		if have > storeLayout {
			return fmt.Errorf("the data file is in layout %d, written by a later Klaxon; this one reads layouts up to %d", have, storeLayout)
		}
		return meta.Put(keyLayout, []byte(strconv.Itoa(storeLayout)))
	})
}

// load reads the whole bbolt file into memory, then moves to its place
// each record it found elsewhere.
func (s *Store) load() error {
	var moves []misplaced
	err := s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySeq); v != nil {
			if err := jsonrecord.Unmarshal(v, &s.seq); err != nil {
				return fmt.Errorf("incident sequence: %w", err)
			}
		}
		if err := forEachPlaced(tx, bucketIncidents, &moves, func(inc *engine.Incident) (string, string) { return inc.Key, inc.Key },
			func(inc *engine.Incident) {
				s.incidents[inc.Key] = inc
				if inc.Open() {
					s.open[inc.GroupKey] = inc.Key
				}
				if len(inc.Timeline) == 0 {
					s.inParts[inc.Key] = true
				}
			}); err != nil {
			return err
		}
		if err := s.loadParts(tx); err != nil {
			return err
		}
		if err := forEachPlaced(tx, bucketAlerts, &moves, func(a *engine.AlertRecord) (string, string) { return a.Incident, a.ID() },
			func(a *engine.AlertRecord) { s.alerts[a.ID()] = holdAlert(a) }); err != nil {
			return err
		}
		if err := forEachPlaced(tx, bucketTimers, &moves, func(t *engine.Timer) (string, string) { return t.Incident, t.ID },
			func(t *engine.Timer) { s.timers.put(t) }); err != nil {
			return err
		}
		return tx.Bucket(bucketLastPaged).ForEach(func(k, v []byte) error {
			s.lastPaged[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return err
	}
	return moveToPlaces(s.db, moves)
}

// forEachPlaced decodes each record of bucket and calls f with it. place
// names a record's incident and own key; a record found elsewhere than
// its place is added to moves.
func forEachPlaced[T any](tx *bbolt.Tx, bucket []byte, moves *[]misplaced, place func(*T) (incident, key string), f func(*T)) error {
	return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		rec := new(T)
		if err := jsonrecord.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("%s %s: %w", bucket, k, err)
		}
		if incident, key := place(rec); !placedAt(k, incident, key) {
			*moves = append(*moves, misplaced{bucket: bucket, from: string(k), to: placeKey(incident, key)})
		}
		f(rec)
		return nil
	})
}

// Sync waits until every change made so far is on disk: a claim must be
// there before what it claims is sent, so that after a crash its claim
// count tells that it may have gone out.
func (s *Store) Sync(ctx context.Context) error {
	s.mu.Lock()
	if err := s.writer.failed(); err != nil {
		s.mu.Unlock()
		return err
	}
	fl := s.writer.enqueue(nil)
	s.mu.Unlock()
	fl.encode()
	select {
	case <-fl.done:
		return fl.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OnTimers makes f run whenever a change adds or moves timers. f must not
// block (an engine's Wake).
func (s *Store) OnTimers(f func()) { s.onTimers.Store(&f) }

// Close writes what is queued and closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.writer != nil {
		err = s.writer.close()
		s.writer = nil
	}
	if cerr := s.db.Close(); cerr != nil {
		err = cerr
	}
	return err
}

// Ping reports whether the store can take changes: the file is open and no
// write to it has failed.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.failed(); err != nil {
		return err
	}
	return s.db.View(func(*bbolt.Tx) error { return nil })
}

// Incident returns a copy of one incident.
func (s *Store) Incident(ctx context.Context, key string) (engine.Incident, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	inc, ok := s.incidents[key]
	if !ok {
		return engine.Incident{}, fmt.Errorf("incident %s: %w", key, engine.ErrNotFound)
	}
	return readOnly(inc), nil
}

// Incidents lists incidents, newest first.
func (s *Store) Incidents(ctx context.Context, f engine.IncidentFilter) ([]engine.Incident, error) {
	s.mu.RLock()
	out := make([]engine.Incident, 0, len(s.incidents))
	for _, inc := range s.incidents {
		if f.Match(inc) {
			out = append(out, readOnly(inc))
		}
	}
	s.mu.RUnlock()
	sortByNumberDesc(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// LastPaged returns the incident most recently paged to person.
func (s *Store) LastPaged(ctx context.Context, person string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastPaged[person], nil
}

// NextDue returns when the earliest timer can next run.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.timers.peek()
	if t == nil {
		return time.Time{}, false, nil
	}
	return t.NextRun(), true, nil
}
