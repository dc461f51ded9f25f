package engine

import (
	"context"
	"sync"
	"time"
)

// handoff is the gate through which Ingest hands the first escalation
// steps it runs to Run's workers: a new incident's first pages come back
// claimed from the ingest itself, and go to the engine's queue, so that
// they go out with no store transition of their own before them (on
// Redis, after the ingest's one script instead of three fsynced scripts
// and a read). Ingest runs first steps only while Run is running, and
// holds gate for reading from the ingest to the hand-off; Run closes the
// gate, under its write lock, before it runs what is queued for the last
// time. So every timer claimed is run. And it runs them only while fewer
// claimed timers wait in the queue than there are workers: in a storm that
// keeps every worker busy, a new incident's escalation waits in the store,
// unclaimed, for ClaimDue, rather than hold a claim whose lease could end
// before a worker is free.
type handoff struct {
	gate sync.RWMutex
	open bool // under gate
}

// ingest runs the store's ingest of batch, with the first escalation step of
// each incident it opens when Run is there to send the step's pages.
func (e *Engine) ingest(ctx context.Context, now time.Time, batch []Classified) ([]IngestResult, error) {
	h := &e.handoff
	h.gate.RLock()
	defer h.gate.RUnlock()
	if !h.open || e.queue.len() >= e.workers {
		return e.store.Ingest(ctx, now, batch)
	}
	rs := e.rosters.Load()
	return e.store.IngestAndEscalate(ctx, now, batch, FirstStep{
		Plan:  func(inc *Incident, esc Timer) Completion { return e.planEscalation(rs, inc, esc, now) },
		Lease: e.lease,
		Hand:  e.handOver,
	})
}

// handOver counts a first step that ran and queues its claimed timers for
// Run's workers, waking Run.
func (e *Engine) handOver(c Claimed, step Completion) {
	e.metrics.observeEscalation(step)
	if len(c.Timers) == 0 {
		return
	}
	e.queue.push(jobsOf(c))
	e.Wake()
}

// setOpen opens or closes the gate: Run opens it when it starts and closes
// it when it stops, once no ingest is between its claim and its hand-off.
func (h *handoff) setOpen(open bool) {
	h.gate.Lock()
	h.open = open
	h.gate.Unlock()
}
