package engine

import (
	"context"
	"sync"
	"time"
)

// handoff carries the escalations Ingest claims to Run's workers, so that a
// new incident's first step runs without Run claiming it from the store
// (one store round trip less before its first page). Ingest claims only
// while Run is running, and holds gate for reading from the claim to the
// hand-off; Run closes the gate, under its write lock, before it runs what
// it was handed for the last time. So every timer claimed is run.
type handoff struct {
	gate sync.RWMutex
	open bool // under gate

	mu   sync.Mutex
	jobs []job
}

// ingest runs the store's ingest of batch, claiming the escalations of the
// incidents it opens when Run is there to run them, and hands those over.
func (e *Engine) ingest(ctx context.Context, now time.Time, batch []Classified) ([]IngestResult, error) {
	h := &e.handoff
	h.gate.RLock()
	defer h.gate.RUnlock()
	if !h.open {
		return e.store.Ingest(ctx, now, batch)
	}
	return e.store.IngestAndClaim(ctx, now, batch, e.lease, e.handOver)
}

// handOver queues the timers of c for Run's workers.
func (e *Engine) handOver(c Claimed) {
	h := &e.handoff
	h.mu.Lock()
	h.jobs = append(h.jobs, jobsOf(c)...)
	h.mu.Unlock()
	e.Wake()
}

// setOpen opens or closes the gate: Run opens it when it starts and closes
// it when it stops, once no ingest is between its claim and its hand-off.
func (h *handoff) setOpen(open bool) {
	h.gate.Lock()
	h.open = open
	h.gate.Unlock()
}

// take returns what Ingest has handed over since the last take.
func (h *handoff) take() []job {
	h.mu.Lock()
	defer h.mu.Unlock()
	jobs := h.jobs
	h.jobs = nil
	return jobs
}
