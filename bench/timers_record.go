package main

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// timerRecorder knows the measured incidents and records, for each, when
// its escalation timer was claimed and when its first page reached the
// notifier.
type timerRecorder struct {
	plan timerPlan
	// index numbers the measured incidents: run*fires + position in the
	// window. It is written before the engine starts and only read after.
	index   map[string]int
	claimed []atomic.Int64 // Unix nanoseconds; 0 until claimed
	paged   []atomic.Int64
}

func newTimerRecorder(plan timerPlan) *timerRecorder {
	n := plan.measured()
	return &timerRecorder{plan: plan, index: make(map[string]int, n),
		claimed: make([]atomic.Int64, n), paged: make([]atomic.Int64, n)}
}

// due is when measured timer g is due.
func (r *timerRecorder) due(g int) time.Time {
	run, i := g/r.plan.fires(), g%r.plan.fires()
	return r.plan.due(r.plan.klaxonStart(run), i)
}

// Send is the engine's SMS notifier: it accepts at once and records when
// the first page of a measured incident arrived.
func (r *timerRecorder) Send(_ context.Context, m engine.Message) (string, bool, error) {
	now := time.Now().UnixNano()
	if g, ok := r.index[m.Incident]; ok {
		r.paged[g].CompareAndSwap(0, now)
	}
	return "SMbench", false, nil
}

// windowResult is what one Klaxon window measured, each list sorted.
// Timers not claimed, or pages not handed over, by the deadline count as
// happening then (a lower bound) and are counted as missing.
type windowResult struct {
	claims, pages               []time.Duration
	missingClaims, missingPages int
}

// behind reports whether the engine had work of the window left at its
// deadline.
func (w windowResult) behind() bool { return w.missingClaims > 0 || w.missingPages > 0 }

// window waits until every timer of run has been claimed and paged, or
// deadline passes, and returns the lateness of the run's claims and pages.
func (r *timerRecorder) window(ctx context.Context, run int, deadline time.Time) windowResult {
	first, n := run*r.plan.fires(), r.plan.fires()
	for time.Now().Before(deadline) && ctx.Err() == nil && count(r.paged[first:first+n]) < n {
		time.Sleep(20 * time.Millisecond)
	}
	var w windowResult
	w.claims, w.missingClaims = lateness(r.claimed[first:first+n], func(i int) time.Time { return r.due(first + i) }, deadline)
	w.pages, w.missingPages = lateness(r.paged[first:first+n], func(i int) time.Time { return r.due(first + i) }, deadline)
	return w
}

// lateness returns, sorted, each recorded time minus its due time; a time
// not recorded counts as deadline and in missing.
func lateness(at []atomic.Int64, due func(i int) time.Time, deadline time.Time) ([]time.Duration, int) {
	out := make([]time.Duration, len(at))
	missing := 0
	for i := range at {
		t := at[i].Load()
		if t == 0 {
			missing++
			t = deadline.UnixNano()
		}
		out[i] = time.Duration(t - due(i).UnixNano())
	}
	return sortedDurations(out), missing
}

// count is how many times have been recorded.
func count(at []atomic.Int64) int {
	got := 0
	for i := range at {
		if at[i].Load() != 0 {
			got++
		}
	}
	return got
}

// claimTimer is the store the engine runs on: the real one, with each
// claim of a measured escalation timer timed as it returns. That is the
// moment the timer fires: the engine runs what it claims at once.
type claimTimer struct {
	engine.Store
	rec *timerRecorder
}

// ClaimDue claims through the real store and records the claims.
func (s *claimTimer) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]engine.Claimed, error) {
	claims, err := s.Store.ClaimDue(ctx, now, lease, max)
	at := time.Now().UnixNano()
	for _, t := range engine.TimersOf(claims) {
		if t.Kind != engine.TimerEscalate {
			continue
		}
		if g, ok := s.rec.index[t.Incident]; ok {
			s.rec.claimed[g].CompareAndSwap(0, at)
		}
	}
	return claims, err
}

func sortedDurations(d []time.Duration) []time.Duration {
	slices.Sort(d)
	return d
}
