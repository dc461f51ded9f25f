package reports

import (
	"encoding/json"
	"slices"
	"time"
)

// Durations summarise one measure (TTD, TTA or TTR) over the incidents it
// applies to: TTA only over incidents acknowledged, TTR only over incidents
// resolved. Count says how many that is; with a Count of 0 the rest is zero.
//
// P50 and P90 are nearest-rank percentiles: the smallest measured value that
// at least that share of the values do not exceed, sorted[ceil(p/100*n)-1].
// They are always a value that was measured, never an interpolation.
type Durations struct {
	Count          int
	Mean, P50, P90 time.Duration
}

// durationsJSON is Durations on the wire: times in seconds, left out when
// nothing was measured.
type durationsJSON struct {
	Count int      `json:"count"`
	Mean  *float64 `json:"mean_seconds,omitempty"`
	P50   *float64 `json:"p50_seconds,omitempty"`
	P90   *float64 `json:"p90_seconds,omitempty"`
}

// MarshalJSON writes the durations in seconds.
func (d Durations) MarshalJSON() ([]byte, error) {
	w := durationsJSON{Count: d.Count}
	if d.Count > 0 {
		w.Mean, w.P50, w.P90 = seconds(d.Mean), seconds(d.P50), seconds(d.P90)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Durations) UnmarshalJSON(b []byte) error {
	var w durationsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Durations{Count: w.Count, Mean: fromSeconds(w.Mean), P50: fromSeconds(w.P50), P90: fromSeconds(w.P90)}
	return nil
}

func seconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

func fromSeconds(s *float64) time.Duration {
	if s == nil {
		return 0
	}
	return time.Duration(*s * float64(time.Second)).Round(time.Millisecond)
}

// samples are the measured values of one measure.
type samples []time.Duration

// durations summarises the samples.
func (s samples) durations() Durations {
	if len(s) == 0 {
		return Durations{}
	}
	sorted := slices.Sorted(slices.Values(s))
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	return Durations{Count: len(sorted), Mean: sum / time.Duration(len(sorted)),
		P50: percentile(sorted, 50), P90: percentile(sorted, 90)}
}

// percentile is the nearest-rank p-th percentile of sorted values, which
// must not be empty: the value at rank ceil(p*n/100), counting from 1.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}
