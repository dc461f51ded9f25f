package engine

import (
	"context"
	"sync"
)

// job is a claimed timer to run, with its incident when the claim brought
// it along.
type job struct {
	t   Timer
	inc *Incident
}

// workers runs RunDue's claimed timers, at most Workers at once. Claimed
// timers wait in a queue, which workers take from until it is empty. A
// worker runs the first of the timers its timer's completion claimed at
// once, and queues the others: an escalation's page goes out on the worker
// that escalated, without waiting for RunDue's loop. RunDue's goroutine
// starts the workers and counts them; a worker tells it when it queues
// timers (queued), so that free workers start on them, and when it stops
// (finished, with how many timers it ran).
type workers struct {
	e *Engine
	// ctx is never cancelled: a claimed timer runs to its end.
	ctx      context.Context
	finished chan int
	queued   chan struct{}

	mu    sync.Mutex
	queue []job

	// Only RunDue's goroutine reads and writes these.
	inflight int
	ran      int
}

func (e *Engine) newWorkers(ctx context.Context) *workers {
	return &workers{e: e, ctx: context.WithoutCancel(ctx),
		finished: make(chan int, e.workers), queued: make(chan struct{}, 1)}
}

// free is how many more workers may start.
func (w *workers) free() int { return w.e.workers - w.inflight }

// jobsOf makes jobs of claimed timers, each with its own copy of the
// incident claimed with them.
func jobsOf(c Claimed) []job {
	jobs := make([]job, len(c.Timers))
	for i, t := range c.Timers {
		jobs[i].t = t
		if c.Incident != nil && c.Incident.Key == t.Incident {
			inc := *c.Incident
			jobs[i].inc = &inc
		}
	}
	return jobs
}

// push queues jobs.
func (w *workers) push(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	w.mu.Lock()
	w.queue = append(w.queue, jobs...)
	w.mu.Unlock()
	w.e.queued.Add(int64(len(jobs)))
	select {
	case w.queued <- struct{}{}:
	default:
	}
}

// pop takes the timer queued first; false when none is.
func (w *workers) pop() (job, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return job{}, false
	}
	j := w.queue[0]
	w.queue = w.queue[1:]
	w.e.queued.Add(-1)
	return j, true
}

func (w *workers) waiting() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.queue)
}

// startQueued starts a worker for each queued timer while workers are free.
// A worker that finds the queue already emptied by the others stops at once.
func (w *workers) startQueued() {
	for n := min(w.waiting(), w.free()); n > 0; n-- {
		w.inflight++
		go w.work()
	}
}

// work runs queued timers, and those they claim, until none is left.
func (w *workers) work() {
	ran := 0
	j, ok := w.pop()
	for ok {
		w.e.metrics.TimerLag.Observe(w.e.clock.Now().Sub(j.t.Due).Seconds())
		next := jobsOf(w.e.runOne(w.ctx, j))
		ran++
		if len(next) > 0 {
			j = next[0]
			w.push(next[1:])
			continue
		}
		j, ok = w.pop()
	}
	w.finished <- ran
}

// stopped counts a worker that stopped after running n timers.
func (w *workers) stopped(n int) {
	w.inflight--
	w.ran += n
}

// collect takes every report of the workers that is waiting: taking one a
// turn would leave the loop counting stopped workers as busy and claiming
// one timer at a time.
func (w *workers) collect() {
	for {
		select {
		case n := <-w.finished:
			w.stopped(n)
		case <-w.queued:
		default:
			return
		}
	}
}

// finish runs what is queued and waits for every worker.
func (w *workers) finish() {
	for {
		w.startQueued()
		if w.inflight == 0 {
			return
		}
		w.stopped(<-w.finished)
	}
}
