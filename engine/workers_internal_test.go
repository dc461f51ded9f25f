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

// blockingPages is a handler of page timers that holds the one named held
// until released, and tells of each page it starts.
type blockingPages struct {
	held    string
	release chan struct{}
	started chan string
}

func newBlockingPages(held string) *blockingPages {
	return &blockingPages{held: held, release: make(chan struct{}), started: make(chan string, 16)}
}

func (b *blockingPages) run(_ context.Context, t Timer, _ *Incident) (Claimed, error) {
	b.started <- t.ID
	if t.ID == b.held {
		<-b.release
	}
	return Claimed{}, nil
}

// waitStarted waits for the page id to start, failing after a bound that
// only a page left waiting reaches.
func (b *blockingPages) waitStarted(t *testing.T, id string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-b.started:
			if got == id {
				return
			}
		case <-deadline:
			t.Fatalf("page %s did not start while %s was held", id, b.held)
		}
	}
}

func pageJob(id string) []job {
	return jobsOf(Claimed{Timers: []Timer{{ID: id, Kind: TimerPage, Incident: id}}})
}

func newPagingEngine(store Store, pages *blockingPages) *Engine {
	e := &Engine{workers: 4, store: store, clock: enginetest.NewClock(time.Now()), poll: time.Second,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: NewMetrics(nil), queue: newClaimedQueue(),
		wake: make(chan struct{}, 1)}
	e.handlers = map[TimerKind]timerHandler{TimerPage: pages.run}
	return e
}

// A page Ingest queues while finish waits for a slow one gets a worker of
// its own at once: in a storm of new incidents, pages do not queue behind
// the one worker finish started.
func TestFinishStartsAWorkerForWhatIsQueuedMeanwhile(t *testing.T) {
	pages := newBlockingPages("page/slow")
	e := newPagingEngine(&incidentsOnly{}, pages)
	w := e.newWorkers(t.Context())
	e.queue.push(pageJob("page/slow"))
	done := make(chan struct{})
	go func() { w.finish(); close(done) }()
	pages.waitStarted(t, "page/slow")
	e.queue.push(pageJob("page/next"))
	pages.waitStarted(t, "page/next")
	close(pages.release)
	<-done
	assert.Equal(t, 2, w.ran)
}

// claimsHook is a store with no timers that runs hook on its first claim,
// and tells of every claim.
type claimsHook struct {
	incidentsOnly
	hook   func()
	once   sync.Once
	claims chan struct{}
}

func (s *claimsHook) ClaimDue(context.Context, time.Time, time.Duration, int) ([]Claimed, error) {
	s.once.Do(s.hook)
	select {
	case s.claims <- struct{}{}:
	default: // more claims than the test reads
	}
	return nil, nil
}

func (s *claimsHook) NextDue(context.Context) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// A page Ingest queues while RunDue claims, with no worker running, is
// started by RunDue's loop, which goes on claiming while it runs: RunDue
// does not end with it queued, nor wait in finish, claiming nothing, while
// it runs.
func TestRunDueGoesOnClaimingWhileAPageQueuedDuringItsClaimRuns(t *testing.T) {
	pages := newBlockingPages("page/slow")
	store := &claimsHook{claims: make(chan struct{}, 16)}
	e := newPagingEngine(store, pages)
	store.hook = func() { e.queue.push(pageJob("page/slow")) }
	done := make(chan struct{})
	go func() { _, _ = e.RunDue(t.Context()); close(done) }()
	pages.waitStarted(t, "page/slow")
	<-store.claims // the claim that queued it
	select {
	case <-store.claims:
	case <-time.After(10 * time.Second):
		t.Fatal("no claim while the queued page ran")
	}
	close(pages.release)
	<-done
	assert.Zero(t, e.queue.len())
}
