package main

import (
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMedianOfOddAndEvenCounts(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		want   float64
	}{
		{"none", nil, 0},
		{"one", []float64{3}, 3},
		{"odd count takes the middle", []float64{9, 1, 5}, 5},
		{"even count averages the middle two", []float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(c.values); got != c.want {
			t.Errorf("%s: median(%v) = %v, want %v", c.name, c.values, got, c.want)
		}
	}
}

// ingest-join sends every alert once, all of one group: the warm-up's and
// the measured requests' alerts are all new, so each joins the incident.
func TestIngestJoinSendsNewAlertsOfOneGroup(t *testing.T) {
	b := &bench{opts: options{batch: 3}}
	w := b.joinAlerts()
	requests := append(w.warm, w.alerts(0), w.alerts(1))
	seen := map[string]bool{}
	for _, req := range requests {
		require.Len(t, req, 3)
		for _, a := range req {
			assert.Equal(t, "Storm", a.Name)
			assert.False(t, seen[a.Instance], "alert %s sent twice", a.Instance)
			seen[a.Instance] = true
		}
	}
	assert.Len(t, seen, 3*len(requests))
	_, ok := ingestTarget("ingest-join", "embedded")
	assert.False(t, ok, "the SPEC sets no target for it")
	want, ok := ingestTarget("ingest-new", "redis")
	assert.True(t, ok)
	assert.Equal(t, 1.0, want)
}

func TestPageIndexReadsTheWebhookNumberFromTheSMS(t *testing.T) {
	for _, c := range []struct {
		body string
		want int
		ok   bool
	}{
		{"INC-7 P1 bench: PageLat42 synthetic load from klaxon bench. Reply 7a ack, 7r resolve, 7e escalate", 42, true},
		{"INC-1 P1 bench: PageLat0. Reply 1a ack", 0, true},
		{"INC-2 P1 bench: Warm3 synthetic. Reply 2a ack", 0, false},
		{"PageLat", 0, false},
	} {
		got, ok := pageIndex(c.body)
		if got != c.want || ok != c.ok {
			t.Errorf("pageIndex(%q) = %d, %v; want %d, %v", c.body, got, ok, c.want, c.ok)
		}
	}
}

func TestTimerPlanFiresOneBatchAMillisecond(t *testing.T) {
	plan := newTimerPlan(options{rate: 10000, duration: 2 * time.Second, runs: 2})
	if plan.perBatch != 10 || plan.step != time.Millisecond {
		t.Fatalf("perBatch %d step %s, want 10 every 1ms", plan.perBatch, plan.step)
	}
	if plan.fires() != 20000 || plan.measured() != 40000 {
		t.Fatalf("fires %d measured %d, want 20000 and 40000", plan.fires(), plan.measured())
	}
	plan.start = time.Unix(1000, 0)
	if got := plan.klaxonStart(0).Sub(plan.runtimeStart(0)); got != 2*time.Second+timerGap {
		t.Errorf("the Klaxon window starts %s after the runtime window, want %s", got, 2*time.Second+timerGap)
	}
	if got := plan.runtimeStart(1).Sub(plan.klaxonStart(0)); got != 2*time.Second+timerGap {
		t.Errorf("the next runtime window starts %s after the Klaxon window, want %s", got, 2*time.Second+timerGap)
	}
	if d := plan.due(plan.start, 19999).Sub(plan.start); d != 1999*time.Millisecond {
		t.Errorf("the last timer is due %s into the window, want 1.999s", d)
	}
}

func TestOptionsRejectAnUnknownStore(t *testing.T) {
	o := options{store: "embedded,postgres", runs: 1, batch: 1}
	if err := o.check(); err == nil {
		t.Fatal("want an error for --store postgres")
	}
	o.store = "embedded, redis"
	if err := o.check(); err != nil {
		t.Fatalf("embedded, redis: %v", err)
	}
	if got := o.stores(); len(got) != 2 || got[1] != "redis" {
		t.Fatalf("stores() = %v", got)
	}
}

func TestEveryScenarioParsesItsOwnDefaults(t *testing.T) {
	for _, sc := range scenarios() {
		if _, err := parseFlags(sc, nil, testWriter{t}); err != nil {
			t.Errorf("%s: %v", sc.name, err)
		}
	}
}

// testWriter sends flag output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func TestReopenKeepsWhatTheEmbeddedStoreHeld(t *testing.T) {
	b := &bench{dir: t.TempDir(), out: io.Discard}
	s, err := b.openStore(t.Context(), "embedded")
	require.NoError(t, err)
	defer s.close()
	due := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	keys, err := s.ingest(t.Context(), due, singles("Reopen", 0, 3))
	require.NoError(t, err)
	before := s.Store

	took, err := s.reopen()
	require.NoError(t, err)
	assert.Positive(t, took)
	assert.NotSame(t, before, s.Store, "the store was not opened again")
	for _, key := range keys {
		inc, err := s.Incident(t.Context(), key)
		require.NoError(t, err, key)
		assert.True(t, inc.Open(), key)
	}
	next, ok, err := s.NextDue(t.Context())
	require.NoError(t, err)
	assert.True(t, ok && next.Equal(due), "the escalation timers did not survive the reopen: next due %s, %v", next, ok)
}

func TestCPUMeterReportsCoresAndCollections(t *testing.T) {
	unread := procSample{cpu: -1, running: -1, waiting: -1}
	m := &cpuMeter{procs: []child{{"bench", 0, false}, {"alertmanager", 42, false}},
		start:   []procSample{{cpu: time.Second, running: -1, waiting: -1}, unread},
		end:     []procSample{{cpu: 3 * time.Second, running: -1, waiting: -1}, {cpu: 5 * time.Second, running: -1, waiting: -1}},
		elapsed: 4 * time.Second, gcStart: gcSample{cycles: 7, cpu: 1.0}, gcEnd: gcSample{cycles: 10, cpu: 1.2}}
	assert.Equal(t, "cores used: bench 0.50; bench process: 3 garbage collections, 0.05 cores collecting", m.String(),
		"a process whose start could not be read is left out")
}

func TestCPUMeterReportsAOneThreadServersMainThread(t *testing.T) {
	m := &cpuMeter{procs: []child{{"bench", 0, false}, {"redis-server", 42, true}},
		start: []procSample{{cpu: 0, running: -1, waiting: -1}, {cpu: time.Second, running: 2 * time.Second, waiting: time.Second}},
		end: []procSample{{cpu: time.Second, running: -1, waiting: -1},
			{cpu: 4 * time.Second, running: 5 * time.Second, waiting: 1400 * time.Millisecond}},
		elapsed: 4 * time.Second}
	assert.Equal(t, "cores used: bench 0.25, redis-server 0.75; redis-server's main thread: running 0.75, waiting for a core 0.10 of the time; "+
		"bench process: 0 garbage collections, 0.00 cores collecting", m.String())
}

func TestCPUMeterReadsAChildsMainThread(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("scheduling times are read on Linux only")
	}
	// The test's own process stands for the child: its main thread has run.
	m := meterCPU(child{"self", os.Getpid(), true})
	m.stop()
	require.Len(t, m.end, 2)
	assert.Positive(t, m.end[1].running, "the main thread's time running")
	assert.GreaterOrEqual(t, m.end[1].waiting, m.start[1].waiting)
	assert.Equal(t, time.Duration(-1), m.end[0].running, "the bench process is not read as one thread")
}

func TestCPUMeterCountsTheCollectionsOfItsSpan(t *testing.T) {
	m := meterCPU()
	runtime.GC()
	runtime.GC()
	m.stop()
	assert.GreaterOrEqual(t, m.gcEnd.cycles, m.gcStart.cycles+2, "a span with two forced collections")
}
