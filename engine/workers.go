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

// claimedQueue holds the claimed timers waiting for a worker: the pages of
// the first steps Ingest handed over, and the timers RunDue's workers and
// loop queued. Its length is what Ingest weighs before running a first
// step (handoff.go).
type claimedQueue struct {
	mu   sync.Mutex
	jobs []job
	// added is told, without waiting, of each push.
	added chan struct{}
}

func newClaimedQueue() claimedQueue { return claimedQueue{added: make(chan struct{}, 1)} }

// push queues jobs.
func (q *claimedQueue) push(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	q.mu.Lock()
	q.jobs = append(q.jobs, jobs...)
	q.mu.Unlock()
	select {
	case q.added <- struct{}{}:
	default:
	}
}

// pop takes the timer queued first; false when none is.
func (q *claimedQueue) pop() (job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		return job{}, false
	}
	j := q.jobs[0]
	q.jobs = q.jobs[1:]
	return j, true
}

func (q *claimedQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.jobs)
}

// workers runs the engine's queued claimed timers for RunDue, at most
// Workers at once; workers take from the queue until it is empty. A worker
// runs the first of the timers its timer's completion claimed at once, and
// queues the others: an escalation's page goes out on the worker that
// escalated, without waiting for RunDue's loop. RunDue's goroutine starts
// the workers and counts them; a worker tells it when it stops (finished,
// with how many timers it ran), and the queue when timers are queued, so
// that free workers start on them.
type workers struct {
	e *Engine
	// ctx is never cancelled: a claimed timer runs to its end.
	ctx      context.Context
	finished chan int

	// Only RunDue's goroutine reads and writes these.
	inflight int
	ran      int
}

func (e *Engine) newWorkers(ctx context.Context) *workers {
	return &workers{e: e, ctx: context.WithoutCancel(ctx), finished: make(chan int, e.workers)}
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

// startQueued starts a worker for each queued timer while workers are free.
// A worker that finds the queue already emptied by the others stops at once.
func (w *workers) startQueued() {
	for n := min(w.e.queue.len(), w.free()); n > 0; n-- {
		w.inflight++
		go w.work()
	}
}

// work runs queued timers, and those they claim, until none is left.
func (w *workers) work() {
	ran := 0
	j, ok := w.e.queue.pop()
	for ok {
		w.e.metrics.TimerLag.Observe(w.e.clock.Now().Sub(j.t.Due).Seconds())
		next := jobsOf(w.e.runOne(w.ctx, j))
		ran++
		if len(next) > 0 {
			j = next[0]
			w.e.queue.push(next[1:])
			continue
		}
		j, ok = w.e.queue.pop()
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
		case <-w.e.queue.added:
		default:
			return
		}
	}
}

// finish runs what is queued and waits for every worker. Timers queued
// meanwhile, by Ingest too, get workers of their own as they come: the
// running ones may be slow to finish.
func (w *workers) finish() {
	for {
		w.startQueued()
		if w.inflight == 0 {
			return
		}
		select {
		case n := <-w.finished:
			w.stopped(n)
		case <-w.e.queue.added:
		}
	}
}
