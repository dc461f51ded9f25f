package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klaxonhq/klaxon/bench/load"
	"github.com/klaxonhq/klaxon/bench/payload"
	"github.com/klaxonhq/klaxon/bench/target"
)

// pageDrain bounds how long a run waits, after its last webhook, for the
// pages still on their way.
const pageDrain = 10 * time.Second

// pageName prefixes the alertname of measured webhook i; the SMS names it.
const pageName = "PageLat"

func pageLatency(ctx context.Context, b *bench) error {
	for _, store := range b.opts.stores() {
		var p50, p99, worst, rates []float64
		missing := 0
		for run := range b.opts.runs {
			r, err := b.pageLatencyRun(ctx, store, run)
			if err != nil {
				return fmt.Errorf("page-latency %s run %d: %w", store, run+1, err)
			}
			p50 = append(p50, ms(load.Percentile(r.latencies, 0.5)))
			p99 = append(p99, ms(load.Percentile(r.latencies, 0.99)))
			worst = append(worst, ms(load.Percentile(r.latencies, 1)))
			rates = append(rates, r.rate)
			missing += r.missing
		}
		b.addPageFigures(store, median(p50), median(p99), median(worst), median(rates), missing)
	}
	return nil
}

// addPageFigures records the medians of one store's runs; the SPEC's
// target is on p99.
func (b *bench) addPageFigures(store string, p50, p99, worst, rate float64, missing int) {
	limit := 5.0
	if store == "redis" {
		limit = 10
	}
	what := fmt.Sprintf("page latency at %g new incidents/s, %s store", b.opts.rate, store)
	var notes []string
	if rate < 0.98*b.opts.rate {
		notes = append(notes, fmt.Sprintf("Klaxon took only %.0f webhooks/s", rate))
	}
	if missing > 0 {
		notes = append(notes, fmt.Sprintf("%d pages not sent %s after the last webhook, counted as sent then: a lower bound", missing, pageDrain))
	}
	note := strings.Join(notes, "; ")
	b.add(figure{what: what + ", p50", unit: "ms", klaxon: p50, note: note})
	b.add(figure{what: what + ", p99", unit: "ms", klaxon: p99, target: fmt.Sprintf("<= %g ms", limit), met: p99 <= limit, note: note})
	b.add(figure{what: what + ", max", unit: "ms", klaxon: worst, note: note})
}

// pageRun is what one page-latency run measured.
type pageRun struct {
	// latencies run from each webhook being sent to the fake Twilio
	// accepting its incident's first page, sorted.
	latencies []time.Duration
	// missing counts the pages that had not come pageDrain after the last
	// webhook; latencies count them as coming then.
	missing int
	// rate is the webhooks a second Klaxon answered.
	rate float64
}

// pageLatencyRun sends --rate webhooks a second, each one new alert of
// its own group, and measures how soon each incident's first page is
// accepted by the fake Twilio.
func (b *bench) pageLatencyRun(ctx context.Context, store string, run int) (pageRun, error) {
	n := int(math.Ceil(b.opts.rate * b.opts.duration.Seconds()))
	if n <= 0 {
		return pageRun{}, fmt.Errorf("--rate and --duration must be more than 0")
	}
	sent, accepted := make([]atomic.Int64, n), make([]atomic.Int64, n)
	k, err := b.startKlaxon(ctx, store, func(_, body string, at time.Time) {
		if i, ok := pageIndex(body); ok && i < n {
			accepted[i].CompareAndSwap(0, at.UnixNano())
		}
	})
	if err != nil {
		return pageRun{}, err
	}
	defer k.stop()
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + target.KlaxonToken}}
	if err := b.warmPages(ctx, k, header); err != nil {
		return pageRun{}, err
	}
	var res load.Result
	cpu := meterCPU(k.children()...)
	err = b.profiled(func() error {
		res, err = load.Run(ctx, load.Config{URL: k.AlertsURL(), Header: header, Connections: b.opts.connections,
			Rate: b.opts.rate, Duration: b.opts.duration, MaxRequests: n,
			Sent: func(i int, at time.Time) { sent[i].Store(at.UnixNano()) },
			Body: func(i int) []byte {
				return payload.Webhook(nil, payload.Group(pageName+strconv.Itoa(i), b.opts.batch))
			}})
		return err
	})
	if err != nil {
		return pageRun{}, err
	}
	cpu.stop()
	waitPages(ctx, accepted, res.OK)
	lat, missing := pageLatencies(sent, accepted, time.Now())
	b.printf("klaxon %s run %d: webhooks %s; %s\n  pages: %d, missing %d; page latency p50 %s p99 %s max %s\n",
		store, run+1, res, cpu, len(lat)-missing, missing,
		load.Round(load.Percentile(lat, 0.5)), load.Round(load.Percentile(lat, 0.99)), load.Round(load.Percentile(lat, 1)))
	return pageRun{latencies: lat, missing: missing, rate: res.PerSecond()}, nil
}

// warmPages sends a second of webhooks at the measured rate whose pages
// are not measured, and lets their pages go out.
func (b *bench) warmPages(ctx context.Context, k *klaxonRun, header http.Header) error {
	n := max(int(b.opts.rate), 1)
	res, err := load.Run(ctx, load.Config{URL: k.AlertsURL(), Header: header, Connections: b.opts.connections,
		Rate: b.opts.rate, MaxRequests: n, Duration: time.Minute,
		Body: func(i int) []byte { return payload.Webhook(nil, payload.Group("Warm"+strconv.Itoa(i), b.opts.batch)) }})
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("warm-up: %d of %d webhooks failed (first: %s)", res.Errors, n, res.FirstError)
	}
	deadline := time.Now().Add(pageDrain)
	for k.twilio.Accepted() < int64(n) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// pageIndex reads the webhook number from an SMS naming alertname
// PageLat<i>.
func pageIndex(body string) (int, bool) {
	_, rest, ok := strings.Cut(body, pageName)
	if !ok {
		return 0, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	i, err := strconv.Atoi(rest[:end])
	return i, err == nil
}

// waitPages waits until want pages have been accepted or pageDrain passes.
func waitPages(ctx context.Context, accepted []atomic.Int64, want int) {
	deadline := time.Now().Add(pageDrain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		got := 0
		for i := range accepted {
			if accepted[i].Load() != 0 {
				got++
			}
		}
		if got >= want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageLatencies pairs each sent webhook with its page: accepted - sent,
// sorted. A webhook whose page had not come by gaveUp counts as accepted
// then: a lower bound.
func pageLatencies(sent, accepted []atomic.Int64, gaveUp time.Time) ([]time.Duration, int) {
	var out []time.Duration
	missing := 0
	for i := range sent {
		s := sent[i].Load()
		if s == 0 {
			continue
		}
		a := accepted[i].Load()
		if a == 0 {
			missing++
			a = gaveUp.UnixNano()
		}
		out = append(out, time.Duration(a-s))
	}
	slices.Sort(out)
	return out, missing
}

// ms converts d to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
