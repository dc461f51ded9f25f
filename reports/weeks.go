package reports

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// weekStart is the Monday 00:00 UTC that starts t's ISO week.
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	monday := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return monday.AddDate(0, 0, -(int(t.Weekday())+6)%7)
}

// weekName is the ISO 8601 name of the week starting at monday: "2026-W53".
func weekName(monday time.Time) string {
	year, week := monday.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", year, week)
}

// weeks lists every week from the one holding since to the one holding the
// last instant before until, with the incidents counted in each. A zero bound
// is replaced by the first or last week that has incidents.
func weeks(counted map[time.Time]int, since, until time.Time) []Week {
	out := []Week{}
	if len(counted) == 0 && (since.IsZero() || until.IsZero()) {
		return out
	}
	first, last := bounds(counted, since, until)
	for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
		out = append(out, Week{Week: weekName(w), Start: w, Incidents: counted[w]})
	}
	return out
}

// bounds are the Mondays of the first and last week to list.
func bounds(counted map[time.Time]int, since, until time.Time) (first, last time.Time) {
	starts := slices.SortedFunc(maps.Keys(counted), func(a, b time.Time) int { return a.Compare(b) })
	if since.IsZero() {
		first = starts[0]
	} else {
		first = weekStart(since)
	}
	if until.IsZero() {
		last = starts[len(starts)-1]
	} else {
		last = weekStart(until.Add(-time.Nanosecond))
	}
	return first, last
}
