package load

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Result is what one load run measured.
type Result struct {
	// Sent counts the requests started; OK those answered with a 2xx.
	Sent, OK int
	// Errors counts requests answered with another status or not answered.
	Errors int
	// FirstError describes the first error, for the report.
	FirstError string
	// Statuses counts the answers by HTTP status.
	Statuses map[int]int
	// Late counts the requests of a fixed rate that started late because
	// every connection was busy.
	Late int
	// Elapsed runs from the first request to the last answer.
	Elapsed time.Duration
	// Latencies of every answered request, sorted.
	Latencies []time.Duration
}

// merge adds up the workers' figures.
func merge(workers []*worker, elapsed time.Duration, late int) Result {
	r := Result{Statuses: map[int]int{}, Elapsed: elapsed, Late: late}
	for _, w := range workers {
		r.Latencies = append(r.Latencies, w.latencies...)
		r.Errors += w.errors
		for status, n := range w.statuses {
			r.Statuses[status] += n
			if status/100 == 2 {
				r.OK += n
			}
		}
		if r.FirstError == "" {
			r.FirstError = w.firstErr
		}
	}
	r.Sent = r.OK + r.Errors
	slices.Sort(r.Latencies)
	return r
}

// PerSecond is the rate of successful requests.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Percentile returns the latency below which a fraction p (0 < p <= 1) of
// the answered requests fall; 0 when none was answered.
func (r Result) Percentile(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Max is the longest latency.
func (r Result) Max() time.Duration { return Percentile(r.Latencies, 1) }

// Percentile returns the value below which a fraction p of sorted falls
// (nearest rank); 0 for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// String summarises the run in one line.
func (r Result) String() string {
	s := fmt.Sprintf("%d ok in %.2fs = %.0f req/s; latency p50 %s p99 %s max %s",
		r.OK, r.Elapsed.Seconds(), r.PerSecond(),
		Round(r.Percentile(0.5)), Round(r.Percentile(0.99)), Round(r.Max()))
	if r.Errors > 0 {
		s += fmt.Sprintf("; %d errors (first: %s)", r.Errors, r.FirstError)
	}
	if r.Late > 0 {
		s += fmt.Sprintf("; %d started late (all connections busy)", r.Late)
	}
	return s
}

// Round shortens d for reports: microseconds below 10 ms, else
// milliseconds with one decimal.
func Round(d time.Duration) time.Duration {
	if d < 10*time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Microsecond)
}
