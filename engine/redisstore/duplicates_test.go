package redisstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/internal/redistest"
)

func firing(fp string) engine.Classified {
	return engine.Classified{Alert: engine.Alert{Source: "am", Fingerprint: fp, Status: engine.AlertFiring, Summary: fp},
		Priority: engine.P1, Service: "checkout", GroupKey: "g/" + fp, Integration: "am"}
}

// A batch of duplicates only is answered without writing to Redis: the
// store counts them in memory and its own reads add them, while another
// replica sees the count Redis holds until the counts are added (every
// CountEvery, by FlushCounts, and at Close). A batch with a new alert
// writes its duplicates' counts with it.
func TestDuplicatesAreCountedInMemory(t *testing.T) {
	srv := redistest.Start(t)
	// rdb_changes_since_last_save counts writes: the test servers never save.
	changes := func() int64 { return srv.Info(t, "persistence", "rdb_changes_since_last_save") }
	prefix := newPrefix()
	s, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(), Prefix: prefix, CountEvery: time.Hour})
	require.NoError(t, err)
	other := open(t, srv.URL(), redisstore.Options{Prefix: prefix, CountEvery: time.Hour})
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	count := func(st engine.Store) (int64, time.Time) {
		t.Helper()
		rec, err := st.Alert(ctx, "am/fp1")
		require.NoError(t, err)
		return rec.Count, rec.LastSeen.UTC()
	}

	res, err := s.Ingest(ctx, t0, []engine.Classified{firing("fp1")})
	require.NoError(t, err)
	require.Equal(t, engine.OutcomeOpened, res[0].Outcome)
	before := changes()
	for i := 1; i <= 3; i++ {
		res, err := s.Ingest(ctx, t0.Add(time.Duration(i)*time.Second), []engine.Classified{firing("fp1")})
		require.NoError(t, err)
		assert.Equal(t, engine.IngestResult{AlertID: "am/fp1", Outcome: engine.OutcomeDuplicate, Incident: "INC-1", Priority: engine.P1}, res[0])
	}
	assert.Equal(t, before, changes(), "no write for duplicates")
	n, last := count(s)
	assert.Equal(t, int64(4), n)
	assert.Equal(t, t0.Add(3*time.Second), last)
	n, last = count(other)
	assert.Equal(t, int64(1), n, "not added yet")
	assert.Equal(t, t0, last)

	require.NoError(t, s.FlushCounts(ctx))
	n, last = count(other)
	assert.Equal(t, int64(4), n)
	assert.Equal(t, t0.Add(3*time.Second), last)

	_, err = s.Ingest(ctx, t0.Add(4*time.Second), []engine.Classified{firing("fp1"), firing("fp2")})
	require.NoError(t, err)
	n, _ = count(other)
	assert.Equal(t, int64(5), n, "counted with the new alert's write")

	_, err = s.Ingest(ctx, t0.Add(5*time.Second), []engine.Classified{firing("fp1"), firing("fp2")})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	n, last = count(other)
	assert.Equal(t, int64(6), n, "added at Close")
	assert.Equal(t, t0.Add(5*time.Second), last)
}

// Counts that cannot be added while Redis is down wait, with those counted
// after Redis is back, for the next time.
func TestDuplicateCountsWaitOutAnOutage(t *testing.T) {
	srv := redistest.Start(t)
	prefix := newPrefix()
	s := open(t, srv.URL(), redisstore.Options{Prefix: prefix, CountEvery: time.Hour})
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		_, err := s.Ingest(ctx, t0.Add(time.Duration(i)*time.Second), []engine.Classified{firing("fp1")})
		require.NoError(t, err)
	}
	srv.Stop()
	require.ErrorIs(t, s.FlushCounts(ctx), engine.ErrUnavailable)
	srv.Start()
	_, err := s.Ingest(ctx, t0.Add(3*time.Second), []engine.Classified{firing("fp1")})
	require.NoError(t, err)
	require.NoError(t, s.FlushCounts(ctx))

	other := open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	rec, err := other.Alert(ctx, "am/fp1")
	require.NoError(t, err)
	assert.Equal(t, int64(4), rec.Count)
	assert.Equal(t, t0.Add(3*time.Second), rec.LastSeen.UTC())
}

// holdOnce is a go-redis hook that, once armed, holds the next EVALSHA
// before it is sent until release is closed, telling held when it holds.
type holdOnce struct {
	armed   atomic.Bool
	held    chan struct{}
	release chan struct{}
}

func (h *holdOnce) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *holdOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *holdOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" && h.armed.CompareAndSwap(true, false) {
			close(h.held)
			<-h.release
		}
		return next(ctx, cmd)
	}
}

// A read while the counts are being added sees them once: not taken from
// memory and not yet in Redis is never what it sees.
func TestAReadDuringTheAddingOfCountsSeesThemOnce(t *testing.T) {
	srv := redistest.Start(t)
	hook := &holdOnce{held: make(chan struct{}), release: make(chan struct{})}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	rdb.AddHook(hook)
	defer rdb.Close()
	s := open(t, "", redisstore.Options{Client: rdb, Prefix: newPrefix(), CountEvery: time.Hour})
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		_, err := s.Ingest(ctx, t0.Add(time.Duration(i)*time.Second), []engine.Classified{firing("fp1")})
		require.NoError(t, err)
	}

	hook.armed.Store(true)
	flushed := make(chan error, 1)
	go func() { flushed <- s.FlushCounts(ctx) }()
	<-hook.held // the counts are taken, their script not yet sent
	read := make(chan int64, 1)
	go func() {
		rec, err := s.Alert(ctx, "am/fp1")
		assert.NoError(t, err)
		read <- rec.Count
	}()
	select {
	case n := <-read: // a read that does not wait for the adding
		assert.Equal(t, int64(4), n)
		close(hook.release)
	case <-time.After(200 * time.Millisecond):
		close(hook.release)
		assert.Equal(t, int64(4), <-read)
	}
	require.NoError(t, <-flushed)
}

// A duplicate counted after another write to its record still moves the
// record's last-seen time when the counts are added.
func TestALaterDuplicateMovesLastSeenPastAWrite(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	s := open(t, srv.URL(), redisstore.Options{Prefix: prefix, CountEvery: time.Hour})
	other := open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ingest := func(at time.Duration, alerts ...engine.Classified) {
		t.Helper()
		_, err := s.Ingest(ctx, t0.Add(at), alerts)
		require.NoError(t, err)
	}
	ingest(0, firing("fp1"))
	ingest(time.Second, firing("fp1"))                  // counted in memory
	ingest(2*time.Second, firing("fp1"), firing("fp2")) // written
	ingest(3*time.Second, firing("fp1"))                // counted in memory
	require.NoError(t, s.FlushCounts(ctx))
	rec, err := other.Alert(ctx, "am/fp1")
	require.NoError(t, err)
	assert.Equal(t, int64(4), rec.Count)
	assert.Equal(t, t0.Add(3*time.Second), rec.LastSeen.UTC())
}
