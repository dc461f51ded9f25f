package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/klaxonhq/klaxon/bench/load"
	"github.com/klaxonhq/klaxon/engine"
)

// timerGap separates the windows of a timers run: after a window, whatever
// it left has this long to fire before the next window starts.
const timerGap = 3 * time.Second

// timerPlan lays a timers run out in time: per run, a window in which Go
// runtime timers fire, then one in which Klaxon's escalation timers fire,
// both at the same rate and on the same schedule: every step, perBatch
// timers due at once.
type timerPlan struct {
	rate     float64
	window   time.Duration
	runs     int
	perBatch int
	step     time.Duration
	start    time.Time // the first runtime window's start
}

func newTimerPlan(o options) timerPlan {
	per := max(1, int(o.rate/1000+0.5)) // one batch a millisecond
	return timerPlan{rate: o.rate, window: o.duration, runs: o.runs, perBatch: per,
		step: time.Duration(float64(per) / o.rate * float64(time.Second))}
}

// batches is how many batches come due in one window; fires how many timers.
func (p timerPlan) batches() int { return int(p.window / p.step) }
func (p timerPlan) fires() int   { return p.batches() * p.perBatch }

func (p timerPlan) runtimeStart(run int) time.Time {
	return p.start.Add(time.Duration(run) * 2 * (p.window + timerGap))
}

func (p timerPlan) klaxonStart(run int) time.Time {
	return p.runtimeStart(run).Add(p.window + timerGap)
}

// due is when timer i of a window starting at start is due.
func (p timerPlan) due(start time.Time, i int) time.Time {
	return start.Add(time.Duration(i/p.perBatch) * p.step)
}

// measured is the number of Klaxon timers that fire in all windows.
func (p timerPlan) measured() int { return p.runs * p.fires() }

func timers(ctx context.Context, b *bench) error {
	if b.opts.rate <= 0 || b.opts.duration <= 0 {
		return fmt.Errorf("timers needs --rate and --duration above 0")
	}
	for _, kind := range b.opts.stores() {
		if err := b.timersOn(ctx, kind); err != nil {
			return fmt.Errorf("timers on %s: %w", kind, err)
		}
	}
	return nil
}

// timersOn fills a store with --pending escalation timers, runs Klaxon's
// engine on it, and alternates windows of Go runtime timers and Klaxon
// timers firing at --rate.
func (b *bench) timersOn(ctx context.Context, kind string) error {
	plan := newTimerPlan(b.opts)
	if b.opts.pending < plan.measured() {
		return fmt.Errorf("--pending %d is fewer than the %d timers the windows fire", b.opts.pending, plan.measured())
	}
	s, err := b.openStore(ctx, kind)
	if err != nil {
		return err
	}
	defer s.close()
	rec, err := b.loadTimers(ctx, s, &plan)
	if err != nil {
		return err
	}
	stop, err := b.runEngine(s, rec)
	if err != nil {
		return err
	}
	defer stop()
	return b.timerWindows(ctx, s, plan, rec)
}

// loadTimers opens --pending incidents: those that will not fire due a day
// from now, then the measured ones due in the Klaxon windows. It sets the
// plan's start once it knows how long the measured ones take to store:
// from storing batches of their size into the full store. The embedded
// store is reopened after each fill, so that the windows run on a store with
// no copying into its data file left from filling it: a million incidents
// stored in a minute are the bench's set-up, not the load it measures.
func (b *bench) loadTimers(ctx context.Context, s *directStore, plan *timerPlan) (*timerRecorder, error) {
	filler := b.opts.pending - plan.measured()
	b.log(fmt.Sprintf("%s: opening %d incidents whose timers stay pending, then %d that fire in %d windows of %s at %g/s",
		s.kind, filler, plan.measured(), plan.runs, plan.window, plan.rate))
	begin := time.Now()
	far := begin.Add(24 * time.Hour)
	calib := min(filler/plan.perBatch, 200)
	if err := b.fill(ctx, s, "Pend", filler-calib*plan.perBatch, 1000, far); err != nil {
		return nil, err
	}
	reopened, err := s.reopen()
	if err != nil {
		return nil, err
	}
	calibStart := time.Now()
	if err := b.fill(ctx, s, "Calib", calib*plan.perBatch, plan.perBatch, far); err != nil {
		return nil, err
	}
	perCall := time.Since(calibStart) / time.Duration(max(calib, 1))
	b.log(fmt.Sprintf("%s: %d pending timers stored in %s (reopening the store took %s)", s.kind, filler,
		time.Since(begin).Round(time.Second), reopened.Round(time.Millisecond)))
	calls := plan.measured() / plan.perBatch
	plan.start = time.Now().Add(perCall*time.Duration(calls)*2 + reopened*2 + 5*time.Second)
	rec := newTimerRecorder(*plan)
	if err := b.storeMeasured(ctx, s, *plan, rec); err != nil {
		return nil, err
	}
	if _, err := s.reopen(); err != nil {
		return nil, err
	}
	if time.Until(plan.start) < time.Second {
		return nil, fmt.Errorf("storing the measured timers and reopening the store took more than twice the %s per batch and the %s measured before; the first would be overdue before the engine starts (is other work running?)",
			perCall, reopened.Round(time.Millisecond))
	}
	b.log(fmt.Sprintf("%s: %d pending timers; windows start in %s", s.kind, b.opts.pending, time.Until(plan.start).Round(time.Millisecond)))
	b.addHeld(s)
	return rec, nil
}

// storeMeasured opens the incidents whose escalation timers come due in the
// Klaxon windows, perBatch to a batch, each batch stored at its due time.
func (b *bench) storeMeasured(ctx context.Context, s *directStore, plan timerPlan, rec *timerRecorder) error {
	for run := range plan.runs {
		start := plan.klaxonStart(run)
		for i := 0; i < plan.fires(); i += plan.perBatch {
			first := run*plan.fires() + i
			keys, err := s.ingest(ctx, plan.due(start, i), singles("Fire", first, plan.perBatch))
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			for j, key := range keys {
				rec.index[key] = first + j
			}
		}
	}
	return nil
}

// addHeld records that the store holds --pending timers, with what that
// costs in memory.
func (b *bench) addHeld(s *directStore) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	note := fmt.Sprintf("Go heap in use %d MiB", m.HeapInuse>>20)
	if s.kind == "embedded" {
		note += fmt.Sprintf(", data file %d MiB", s.dataFileSize()>>20)
	}
	b.add(figure{what: fmt.Sprintf("pending escalation timers held, %s store", s.kind), unit: "timers",
		klaxon: float64(b.opts.pending), target: ">= 1000000 (stretch 10000000)", met: b.opts.pending >= 1_000_000, note: note})
}

// runEngine runs Klaxon's engine, as `klaxon serve` does, on the store
// wrapped to time each claim, paging through the recorder. It returns a
// function that stops the engine and waits for it.
func (b *bench) runEngine(s *directStore, rec *timerRecorder) (func(), error) {
	logger, err := fileLogger(filepath.Join(s.dir, "klaxon.log"))
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(engine.Options{Store: &claimTimer{Store: s.Store, rec: rec}, Clock: engine.SystemClock{},
		Rosters: s.rosters, Classifier: s.classifier, Logger: logger,
		Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: rec}})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = eng.Run(ctx) })
	return func() { cancel(); wg.Wait() }, nil
}

// timerWindows runs the plan's windows, runtime then Klaxon, and records
// the medians of their lateness. It stops early when Klaxon could not fire
// a window's timers before the next window.
func (b *bench) timerWindows(ctx context.Context, s *directStore, plan timerPlan, rec *timerRecorder) error {
	kind := s.kind
	var goP50, goP99, kP50, kP99, pageP99 []float64
	behind := 0
	for run := range plan.runs {
		g := runtimeWindow(ctx, plan, plan.runtimeStart(run))
		goP50, goP99 = append(goP50, ms(load.Percentile(g, 0.5))), append(goP99, ms(load.Percentile(g, 0.99)))
		// Leave the next runtime window time to arm its timers.
		deadline := plan.klaxonStart(run).Add(plan.window + timerGap - 500*time.Millisecond)
		cpu := meterCPU(children(s)...)
		var w windowResult
		_ = b.profiled(func() error { w = rec.window(ctx, run, deadline); return nil })
		cpu.stop()
		kP50, kP99 = append(kP50, ms(load.Percentile(w.claims, 0.5))), append(kP99, ms(load.Percentile(w.claims, 0.99)))
		pageP99 = append(pageP99, ms(load.Percentile(w.pages, 0.99)))
		b.printf("run %d: Go runtime timers: %d fired, lateness p50 %s p99 %s max %s\n", run+1, len(g),
			load.Round(load.Percentile(g, 0.5)), load.Round(load.Percentile(g, 0.99)), load.Round(load.Percentile(g, 1)))
		b.printf("run %d: Klaxon %s escalation timers: %d of %d claimed, lateness p50 %s p99 %s max %s; first page handed to the notifier: %d, p99 %s after due\n",
			run+1, kind, plan.fires()-w.missingClaims, plan.fires(), load.Round(load.Percentile(w.claims, 0.5)),
			load.Round(load.Percentile(w.claims, 0.99)), load.Round(load.Percentile(w.claims, 1)),
			plan.fires()-w.missingPages, load.Round(load.Percentile(w.pages, 0.99)))
		b.printf("run %d: Klaxon window %s\n", run+1, cpu)
		if w.behind() {
			behind = max(w.missingClaims, w.missingPages)
			b.printf("run %d: Klaxon fell behind: work of this window was left when the next was due; what was left counts as done at the deadline (a lower bound); no further runs\n", run+1)
			break
		}
	}
	b.addTimerFigures(kind, plan, median(goP50), median(goP99), median(kP50), median(kP99), median(pageP99), behind)
	return nil
}

// addTimerFigures records the timer lateness figures of one store.
func (b *bench) addTimerFigures(kind string, plan timerPlan, goP50, goP99, kP50, kP99, pageP99 float64, behind int) {
	what := fmt.Sprintf("timer lateness, %d pending, %g fires/s, %s store", b.opts.pending, plan.rate, kind)
	note := ""
	if behind > 0 {
		note = fmt.Sprintf("fell behind: %d timers or pages of a window not done %s after it; a lower bound", behind, timerGap-500*time.Millisecond)
	}
	b.add(figure{what: what + ", p50", unit: "ms", klaxon: kP50, anchor: goP50, anchorName: "Go runtime timers",
		note: note})
	p99 := figure{what: what + ", p99", unit: "ms", klaxon: kP99, anchor: goP99, anchorName: "Go runtime timers", note: note}
	if kind == "redis" {
		p99.target, p99.met = "<= 50 ms", kP99 <= 50
	} else {
		p99.target, p99.met = "<= 2x", p99.ratio() <= 2
	}
	b.add(p99)
	b.add(figure{what: what + ", due -> page handed to the notifier, p99", unit: "ms", klaxon: pageP99,
		note: note})
}

// runtimeWindow arms the window's timers as Go runtime timers (one
// time.AfterFunc each, due on the plan's schedule from start) and returns
// their lateness, sorted: when each callback started minus its due time.
func runtimeWindow(ctx context.Context, plan timerPlan, start time.Time) []time.Duration {
	n := plan.fires()
	late := make([]time.Duration, n)
	var wg sync.WaitGroup
	wg.Add(n)
	timers := make([]*time.Timer, n)
	for i := range n {
		due := plan.due(start, i)
		timers[i] = time.AfterFunc(time.Until(due), func() {
			late[i] = time.Since(due)
			wg.Done()
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, t := range timers {
			if t.Stop() {
				wg.Done()
			}
		}
		<-done
	}
	return sortedDurations(late)
}
