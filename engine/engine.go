package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

// Options configure an Engine. Store, Clock, Rosters and Classifier are
// required.
type Options struct {
	Store      Store
	Clock      Clock
	Rosters    *rosters.Set
	Classifier *Classifier
	// Notifiers deliver pages, one per channel. A person's rule for a
	// channel with no notifier is left out of their pages.
	Notifiers      map[Channel]Notifier
	IncidentPrefix string
	Logger         *slog.Logger
	Metrics        *Metrics
	// Lease is how long a claimed timer is held before another engine may
	// take it over (default 10s).
	Lease time.Duration
	// Workers bounds the timers run at once (default 64: most of a timer's
	// time is a provider's answer).
	Workers int
	// PollInterval bounds how long Run sleeps when no timer is due (default
	// 1s), so that timers added by other replicas are seen.
	PollInterval time.Duration
	// MaxAttempts bounds the sends of one page before it counts as failed
	// (default 5).
	MaxAttempts int
	// Retention is how long resolved incidents and events stay readable
	// (default 30 days); Run removes older ones once an hour.
	Retention time.Duration
}

// Engine classifies alerts, runs escalation timers and acts on responders'
// commands. It is safe for concurrent use; several engines may share one
// store.
type Engine struct {
	store      Store
	clock      Clock
	notifiers  map[Channel]Notifier
	prefix     string
	log        *slog.Logger
	metrics    *Metrics
	lease      time.Duration
	workers    int
	poll       time.Duration
	maxAttempt int
	retention  time.Duration

	handlers   map[TimerKind]timerHandler
	rosters    atomic.Pointer[rosters.Set]
	classifier atomic.Pointer[Classifier]
	wake       chan struct{}
	handoff    handoff
	queue      claimedQueue
}

// New builds an engine from opts.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil || opts.Clock == nil || opts.Rosters == nil || opts.Classifier == nil {
		return nil, errors.New("engine needs a store, a clock, rosters and a classifier")
	}
	e := &Engine{
		store:      opts.Store,
		clock:      opts.Clock,
		notifiers:  opts.Notifiers,
		prefix:     cmp.Or(opts.IncidentPrefix, "INC"),
		log:        cmp.Or(opts.Logger, slog.Default()),
		metrics:    opts.Metrics,
		lease:      cmp.Or(opts.Lease, 10*time.Second),
		workers:    cmp.Or(opts.Workers, 64),
		poll:       cmp.Or(opts.PollInterval, time.Second),
		maxAttempt: cmp.Or(opts.MaxAttempts, 5),
		retention:  cmp.Or(opts.Retention, 30*24*time.Hour),
		wake:       make(chan struct{}, 1),
		queue:      newClaimedQueue(),
	}
	if e.metrics == nil {
		e.metrics = NewMetrics(nil)
	}
	e.store = instrument(e.store, e.metrics.StoreLatency)
	e.metrics.observeOpenCounts(func() (map[Priority]int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return e.store.OpenCounts(ctx)
	})
	e.handlers = e.timerHandlers()
	e.rosters.Store(opts.Rosters)
	e.classifier.Store(opts.Classifier)
	return e, nil
}

// SetRosters replaces the rosters; escalations in flight continue from their
// current step under the new ones.
func (e *Engine) SetRosters(r *rosters.Set) { e.rosters.Store(r) }

// SetClassifier replaces the classification rules for alerts to come.
func (e *Engine) SetClassifier(c *Classifier) { e.classifier.Store(c) }

// Rosters returns the rosters in force.
func (e *Engine) Rosters() *rosters.Set { return e.rosters.Load() }

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.clock }

// IncidentKey builds the key of incident number n with this engine's prefix.
func (e *Engine) IncidentKey(n int64) string { return IncidentKey(e.prefix, n) }

// Source describes where a batch of alerts came from.
type Source struct {
	// Integration is the integration's configured name.
	Integration string
	// Service is the service for alerts that name none.
	Service string
}

// defaultGroupBy groups the alerts of a service that configures no group_by.
var defaultGroupBy = []string{"alertname"}

// Ingest classifies alerts and records them durably. When it returns without
// error every alert is stored; new incidents have their first escalation due
// at once, or, while Run is running, have run their first step already, its
// pages handed to Run's workers. An alert whose source reports it
// acknowledged acknowledges its incident.
func (e *Engine) Ingest(ctx context.Context, src Source, alerts []Alert) ([]IngestResult, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	now := e.clock.Now()
	batch, acks := e.classify(src, alerts, now)
	results, err := e.ingest(ctx, now, batch)
	if err != nil {
		return nil, fmt.Errorf("ingest %d alerts: %w", len(batch), err)
	}
	e.metrics.observeIngest(batch, results)
	e.observeOpened(now, batch, results)
	e.followIngest(ctx, batch, results, now)
	for _, a := range acks {
		r, err := e.acknowledgeAlert(ctx, src, a)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	for _, r := range results {
		if r.Outcome == OutcomeOpened || r.Outcome == OutcomeResolved {
			e.Wake()
			break
		}
	}
	return results, nil
}

// classify turns alerts into what the store ingests, setting aside those a
// source reports acknowledged.
func (e *Engine) classify(src Source, alerts []Alert, now time.Time) (batch []Classified, acks []Alert) {
	rs, cl := e.rosters.Load(), e.classifier.Load()
	batch = make([]Classified, 0, len(alerts))
	for i := range alerts {
		if alerts[i].Status == AlertAcknowledged {
			acks = append(acks, alerts[i])
			continue
		}
		c := cl.Classify(&alerts[i], src.Service, now)
		c.Integration = src.Integration
		groupBy := defaultGroupBy
		if svc, ok := rs.Service(c.Service); ok {
			c.Policy = svc.Policy
			if len(svc.GroupBy) > 0 {
				groupBy = svc.GroupBy
			}
		}
		c.GroupKey = GroupKey(c.Service, groupBy, c.Labels)
		batch = append(batch, c)
	}
	return batch, acks
}

// acknowledgeAlert acknowledges the incident of an alert its source reports
// acknowledged; an alert or incident that is unknown or not triggered
// changes nothing.
func (e *Engine) acknowledgeAlert(ctx context.Context, src Source, a Alert) (IngestResult, error) {
	res := IngestResult{AlertID: a.ID(), Outcome: OutcomeDuplicate}
	rec, err := e.store.Alert(ctx, a.ID())
	if errors.Is(err, ErrNotFound) || (err == nil && rec.Incident == "") {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("acknowledge alert %s: %w", a.ID(), err)
	}
	res.Incident, res.Priority = rec.Incident, rec.Priority
	by := Actor{Name: src.Integration, Channel: Channel(a.Source)}
	now := e.clock.Now()
	inc, err := e.store.Acknowledge(ctx, now, rec.Incident, by, e.ackTimeout(ctx, rec.Incident))
	switch {
	case err == nil:
		res.Outcome = OutcomeAcknowledged
		e.metrics.Acks.WithLabelValues(a.Source).Inc()
		e.observeAcknowledged(&inc, now)
		e.afterTransition(ctx, &inc, eventAcknowledged, now)
	case !errors.Is(err, ErrWrongState):
		return res, fmt.Errorf("acknowledge %s: %w", rec.Incident, err)
	}
	return res, nil
}

// followIngest records the time to resolve of incidents their alerts
// resolved, and tells stakeholders of incidents opened and resolved.
func (e *Engine) followIngest(ctx context.Context, batch []Classified, results []IngestResult, now time.Time) {
	rs := e.rosters.Load()
	for i, r := range results {
		var event string
		switch r.Outcome {
		case OutcomeOpened:
			event = eventOpened
		case OutcomeResolved:
			event = eventResolved
		default:
			continue
		}
		svc, _ := rs.Service(batch[i].Service)
		if event == eventOpened && len(svc.Stakeholders) == 0 {
			continue
		}
		inc, err := e.store.Incident(ctx, r.Incident)
		if err != nil {
			continue
		}
		if event == eventResolved {
			e.observeResolved(&inc)
		}
		e.afterTransition(ctx, &inc, event, now)
	}
}

// Wake makes Run look for due timers at once.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run runs due timers until ctx is done: escalation steps, pages and
// notices. It sleeps until the next timer is due, a bounded poll interval
// passes, or Wake is called, and returns when ctx is done and every timer it
// started has finished.
func (e *Engine) Run(ctx context.Context) error {
	e.handoff.setOpen(true)
	var purged time.Time
	for {
		if now := e.clock.Now(); now.Sub(purged) >= purgeEvery {
			if _, err := e.PurgeExpired(ctx); err == nil {
				purged = now
			}
		}
		_, err := e.RunDue(ctx)
		wakeAt := e.clock.Now().Add(e.poll)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("running due timers; trying again after the poll interval", "err", err)
			}
		} else if next, ok, err := e.store.NextDue(ctx); err == nil && ok && next.Before(wakeAt) {
			wakeAt = next
		}
		select {
		case <-ctx.Done():
			// Send what Ingest queued before the gate closed.
			e.handoff.setOpen(false)
			_, _ = e.RunDue(ctx)
			return nil
		case <-e.wake:
		case <-e.clock.Until(wakeAt):
		}
	}
}

// purgeEvery is how often Run removes what has outlived its retention.
const purgeEvery = time.Hour

// PurgeExpired removes resolved incidents and events older than the
// retention, in batches, and returns how many went.
func (e *Engine) PurgeExpired(ctx context.Context) (int, error) {
	before := e.clock.Now().Add(-e.retention)
	total := 0
	for {
		n, err := e.store.Purge(ctx, before, 1000)
		total += n
		if err != nil {
			e.log.Warn("removing expired incidents", "err", err)
			return total, err
		}
		if n < 1000 {
			if total > 0 {
				e.log.Info("removed expired incidents and events", "count", total, "resolved_before", before)
			}
			return total, nil
		}
	}
}

// RunDue runs every timer due now, including those that running them makes
// due now, and returns how many ran. Up to Workers timers run at once; a
// worker that finishes takes the next claimed timer without waiting for
// the others. The timers a completion claims as it makes them due (the
// pages of an escalation step), and the pages of the first steps Ingest
// ran, are queued and started before any more are claimed from the store.
// A timer once claimed, a queued one too, runs to its end even when ctx is
// cancelled (each send has its own deadline), so that stopping the engine
// never strands a claim, whose lease would hold the timer from other
// replicas. Tests call RunDue after moving the clock.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	w := e.newWorkers(ctx)
	err := e.claimAndRun(ctx, w)
	w.finish()
	return w.ran, err
}

// claimAndRun claims due timers and runs them on w until none is due and
// none is running, or ctx is done.
func (e *Engine) claimAndRun(ctx context.Context, w *workers) error {
	for ctx.Err() == nil {
		w.collect()
		w.startQueued()
		if free := w.free(); free > 0 {
			// What is queued has a worker each; claim for the others.
			claims, err := e.store.ClaimDue(ctx, e.clock.Now(), e.lease, free)
			if err != nil {
				return fmt.Errorf("claim due timers: %w", err)
			}
			if len(claims) > 0 {
				var jobs []job
				for _, c := range claims {
					jobs = append(jobs, jobsOf(c)...)
				}
				e.queue.push(jobs)
				continue
			}
		}
		if w.inflight == 0 {
			if e.queue.len() == 0 {
				return nil
			}
			// Ingest queued a first step's pages since they were started.
			continue
		}
		if w.free() == 0 {
			// Every worker is busy: only a stopped one makes room.
			w.stopped(<-w.finished)
			continue
		}
		e.awaitWork(ctx, w)
	}
	return ctx.Err()
}

// awaitWork waits, while some timers are running and workers are free,
// until a worker stops or queues timers, new timers are added, or the next
// timer comes due.
func (e *Engine) awaitWork(ctx context.Context, w *workers) {
	now := e.clock.Now()
	wakeAt := now.Add(e.poll)
	if next, ok, err := e.store.NextDue(ctx); err == nil && ok && next.Before(wakeAt) {
		// A timer due already was just found claimed or gone: look again
		// after a short pause rather than at once.
		wakeAt = later(next, now.Add(time.Millisecond))
	}
	select {
	case n := <-w.finished:
		w.stopped(n)
	case <-e.queue.added:
	case <-e.wake:
	case <-e.clock.Until(wakeAt):
	case <-ctx.Done():
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// runOne runs a claimed timer and logs a failure: the timer runs again when
// its lease ends. It returns what its completion claimed, to run next.
func (e *Engine) runOne(ctx context.Context, j job) Claimed {
	next, err := e.runTimer(ctx, j)
	if err != nil && !errors.Is(err, ErrStale) {
		e.log.Warn("timer failed; it runs again when its lease ends", "timer", j.t.ID, "kind", j.t.Kind, "err", err)
	}
	return next
}

// runTimer runs one claimed timer with its incident, read unless the job
// brought it; a timer whose incident is gone is dropped.
func (e *Engine) runTimer(ctx context.Context, j job) (Claimed, error) {
	t := j.t
	run, ok := e.handlers[t.Kind]
	if !ok {
		e.log.Error("unknown timer kind; dropping it", "timer", t.ID, "kind", t.Kind)
		return Claimed{}, e.store.Complete(ctx, e.clock.Now(), Completion{Timer: t})
	}
	if j.inc != nil {
		return run(ctx, t, j.inc)
	}
	inc, err := e.store.Incident(ctx, t.Incident)
	if errors.Is(err, ErrNotFound) {
		return Claimed{}, e.store.Complete(ctx, e.clock.Now(), Completion{Timer: t})
	}
	if err != nil {
		return Claimed{}, fmt.Errorf("load %s for timer %s: %w", t.Incident, t.ID, err)
	}
	return run(ctx, t, &inc)
}

// timerHandler runs one kind of claimed timer with its incident, and
// returns what its completion claimed.
type timerHandler func(context.Context, Timer, *Incident) (Claimed, error)

// timerHandlers are what runs each kind of timer.
func (e *Engine) timerHandlers() map[TimerKind]timerHandler {
	return map[TimerKind]timerHandler{
		TimerEscalate: e.escalate, TimerPage: e.page, TimerResolved: e.fanOutNotices, TimerNotice: claimsNothing(e.notice),
		TimerAckTimeout: e.ackTimedOut, TimerReminder: claimsNothing(e.remind), TimerStakeholderMail: claimsNothing(e.mailStakeholder),
	}
}

// claimsNothing makes a timerHandler of a handler whose completion claims
// no timers.
func claimsNothing(run func(context.Context, Timer, *Incident) error) timerHandler {
	return func(ctx context.Context, t Timer, inc *Incident) (Claimed, error) { return Claimed{}, run(ctx, t, inc) }
}

// current reports whether a timer still applies to inc: an escalation's
// page while the incident is triggered in the timer's generation, an added
// responder's page while it is open.
func current(inc *Incident, t *Timer) bool {
	if t.Kind == TimerPage && t.Round == responderRound {
		return inc.Open()
	}
	return inc.State == StateTriggered && inc.Gen == t.Gen
}
