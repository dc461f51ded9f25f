package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/klaxonhq/klaxon/engine/enginetest"
)

// Every report of a stopped worker that is waiting is taken at once, so
// that the claim after them asks for as many timers as workers are free.
func TestCollectTakesEveryStoppedWorker(t *testing.T) {
	w := (&Engine{workers: 8}).newWorkers(t.Context())
	w.collect()
	assert.Equal(t, 8, w.free())
	w.inflight = 3
	for range 3 {
		w.finished <- 1
	}
	w.collect()
	assert.Equal(t, 8, w.free())
	assert.Equal(t, 3, w.ran)
	assert.Empty(t, w.finished)
}

// incidentsOnly is a store that has every incident and nothing else, and
// counts the reads.
type incidentsOnly struct {
	Store
	reads atomic.Int64
}

func (s *incidentsOnly) Incident(_ context.Context, key string) (Incident, error) {
	s.reads.Add(1)
	return Incident{Key: key}, nil
}

// A worker runs the first timer its timer's completion claimed at once,
// with the incident claimed with it (not read again), and queues the
// others; with one worker everything runs one after another, never beside
// each other, and finish runs it all.
func TestAWorkerRunsWhatItsCompletionClaimed(t *testing.T) {
	var mu sync.Mutex
	var order []string
	record := func(t Timer, inc *Incident) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, t.ID+" "+inc.Summary)
	}
	store := &incidentsOnly{}
	e := &Engine{workers: 1, store: store, clock: enginetest.NewClock(time.Now()),
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: NewMetrics(nil)}
	e.handlers = map[TimerKind]timerHandler{
		TimerEscalate: func(_ context.Context, t Timer, inc *Incident) (Claimed, error) {
			record(t, inc)
			return Claimed{Incident: &Incident{Key: t.Incident, Summary: "claimed"}, Timers: []Timer{
				{ID: "page/" + t.Incident + "/1", Kind: TimerPage, Incident: t.Incident},
				{ID: "page/" + t.Incident + "/2", Kind: TimerPage, Incident: t.Incident}}}, nil
		},
		TimerPage: func(_ context.Context, t Timer, inc *Incident) (Claimed, error) {
			record(t, inc)
			return Claimed{}, nil
		},
	}
	w := e.newWorkers(t.Context())
	e.queue.push(jobsOf(Claimed{Timers: []Timer{{ID: "esc/a", Kind: TimerEscalate, Incident: "a"}, {ID: "esc/b", Kind: TimerEscalate, Incident: "b"}}}))
	w.startQueued()
	assert.Equal(t, 1, w.inflight, "one worker")
	w.finish()
	assert.Equal(t, 0, w.inflight)
	assert.Zero(t, e.queue.len())
	assert.Equal(t, 6, w.ran)
	assert.Equal(t, []string{"esc/a ", "page/a/1 claimed", "esc/b ", "page/b/1 claimed", "page/a/2 claimed", "page/b/2 claimed"}, order)
	assert.Equal(t, int64(2), store.reads.Load(), "the escalations' incidents only")
}
