// Package load sends HTTP POST requests to one URL, at a fixed rate or as
// fast as a bounded pool of connections allows, for a bounded count and
// duration, and measures how long each request took. It stops by itself.
package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by Run to a Config's zero fields.
const (
	DefaultConnections = 8
	DefaultDuration    = 10 * time.Second
	DefaultMaxRequests = 1_000_000
	DefaultTimeout     = 30 * time.Second
)

// Config describes one load run.
type Config struct {
	// URL is where every request is posted.
	URL string
	// Header is sent with every request (Authorization, Content-Type).
	Header http.Header
	// Body returns the body of request i (0, 1, 2, ...). It is called from
	// several goroutines at once.
	Body func(i int) []byte
	// Connections bounds the requests in flight, one connection each
	// (default DefaultConnections).
	Connections int
	// Rate is requests per second; 0 sends as fast as the connections allow.
	Rate float64
	// Duration bounds how long new requests are started (default
	// DefaultDuration). Requests in flight when it ends are waited for.
	Duration time.Duration
	// MaxRequests bounds how many requests are sent (default
	// DefaultMaxRequests).
	MaxRequests int
	// Timeout bounds one request (default DefaultTimeout).
	Timeout time.Duration
	// Sent, when set, is called just before request i is sent.
	Sent func(i int, at time.Time)
}

// Run sends the requests cfg describes until its duration or count is spent
// or ctx ends, waits for those in flight, and returns what it measured. It
// returns an error only for a config it cannot run.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.URL == "" || cfg.Body == nil {
		return Result{}, errors.New("load: URL and Body are required")
	}
	if cfg.Rate < 0 {
		return Result{}, fmt.Errorf("load: rate %v must not be negative", cfg.Rate)
	}
	applyDefaults(&cfg)
	t, err := newTarget(cfg.URL, cfg.Header)
	if err != nil {
		return Result{}, err
	}

	stopCtx, stop := context.WithTimeout(ctx, cfg.Duration)
	defer stop()
	var late atomic.Int64
	next := numbers(stopCtx, cfg, &late)

	start := time.Now()
	workers := make([]*worker, cfg.Connections)
	var wg sync.WaitGroup
	for w := range workers {
		workers[w] = &worker{cfg: &cfg, conn: newConn(t, cfg.Timeout)}
		wg.Go(func() {
			defer workers[w].conn.close()
			workers[w].run(ctx, next)
		})
	}
	wg.Wait()
	return merge(workers, time.Since(start), int(late.Load())), nil
}

func applyDefaults(cfg *Config) {
	if cfg.Connections <= 0 {
		cfg.Connections = DefaultConnections
	}
	if cfg.Duration <= 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
}

// numbers returns what hands the workers request numbers, until ctx ends or
// cfg.MaxRequests are handed out: as fast as they ask when cfg.Rate is 0,
// otherwise paced by a feeder (see feed).
func numbers(ctx context.Context, cfg Config, late *atomic.Int64) func() (int, bool) {
	if cfg.Rate == 0 {
		var n atomic.Int64
		return func() (int, bool) {
			i := int(n.Add(1) - 1)
			return i, i < cfg.MaxRequests && ctx.Err() == nil
		}
	}
	jobs := make(chan int, cfg.Connections)
	go feed(ctx, cfg, jobs, late)
	return func() (int, bool) {
		i, ok := <-jobs
		return i, ok
	}
}

// feed hands request numbers to the workers, paced by cfg.Rate when set,
// until ctx ends or cfg.MaxRequests are handed out, then closes jobs. late
// counts the requests of a fixed rate that could not start on time because
// every connection was busy.
func feed(ctx context.Context, cfg Config, jobs chan<- int, late *atomic.Int64) {
	defer close(jobs)
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	start := time.Now()
	for i := 0; i < cfg.MaxRequests; i++ {
		if interval > 0 && !waitUntil(ctx, start.Add(time.Duration(i)*interval)) {
			return
		}
		select {
		case jobs <- i:
			continue
		default:
		}
		if interval > 0 {
			late.Add(1)
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// waitUntil sleeps until t; false when ctx ended first.
func waitUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// worker sends requests over one connection and keeps its own figures.
type worker struct {
	cfg       *Config
	conn      *conn
	latencies []time.Duration
	statuses  map[int]int
	errors    int
	firstErr  string
}

func (w *worker) run(ctx context.Context, next func() (int, bool)) {
	w.statuses = map[int]int{}
	for i, ok := next(); ok; i, ok = next() {
		if ctx.Err() != nil {
			continue // drain: the feeder stops on its own
		}
		w.send(ctx, i)
	}
}

// send posts request i and records its latency and outcome.
func (w *worker) send(ctx context.Context, i int) {
	body := w.cfg.Body(i)
	begin := time.Now()
	if w.cfg.Sent != nil {
		w.cfg.Sent(i, begin)
	}
	status, err := w.conn.post(ctx, body)
	if err != nil {
		w.fail(err.Error())
		return
	}
	w.latencies = append(w.latencies, time.Since(begin))
	w.statuses[status]++
	if status/100 != 2 {
		w.fail(fmt.Sprintf("%d %s", status, http.StatusText(status)))
	}
}

func (w *worker) fail(msg string) {
	w.errors++
	if w.firstErr == "" {
		w.firstErr = msg
	}
}
