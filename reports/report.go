// Package reports owns Klaxon's incident reports: from a list of incidents it
// works out how many there were (by priority, service, owner and week), how
// quickly they were detected, acknowledged and resolved, and which alerts
// raised them, and renders that as a plain-text table. Build is a pure
// function; Incidents is the one read it needs, through the store interface.
package reports

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// TopN is how many entries the ranking of alerts by summary keeps.
const TopN = 10

// Report describes the incidents opened in [Since, Until). Durations are
// measured on the incidents as they stand when the report is built: an
// incident opened in the window and resolved after it counts its TTR.
type Report struct {
	Since  time.Time `json:"since,omitzero"`
	Until  time.Time `json:"until,omitzero"`
	Totals Totals    `json:"totals"`
	// TimeToDetect, TimeToAcknowledge and TimeToResolve cover every
	// priority.
	TimeToDetect      Durations `json:"time_to_detect"`
	TimeToAcknowledge Durations `json:"time_to_acknowledge"`
	TimeToResolve     Durations `json:"time_to_resolve"`
	// ByPriority has a row for each priority that has incidents, P0 first.
	ByPriority []PriorityStats `json:"by_priority"`
	// ByService and ByOwner are ordered by incidents, most first; ByOwner
	// leaves out incidents nobody acknowledged (Totals.Unowned).
	ByService []Group `json:"by_service"`
	ByOwner   []Count `json:"by_owner"`
	// Weeks has every ISO week (Monday to Sunday, UTC) the window touches,
	// oldest first, including weeks without incidents.
	Weeks []Week `json:"weeks"`
	// TopAlerts ranks the incidents' summaries by how many alerts they
	// grouped, at most TopN of them.
	TopAlerts []Group `json:"top_alerts"`
	// AlertsBySource counts alerts by the system that sent them
	// (alertmanager, datadog, pagerduty).
	AlertsBySource map[string]int `json:"alerts_by_source"`
}

// Totals counts the incidents by the state they are in now.
type Totals struct {
	Incidents    int `json:"incidents"`
	Triggered    int `json:"triggered"`
	Acknowledged int `json:"acknowledged"`
	Resolved     int `json:"resolved"`
	// Unowned counts incidents nobody acknowledged.
	Unowned int `json:"unowned"`
	// Alerts counts the alerts grouped into the incidents.
	Alerts int `json:"alerts"`
}

// PriorityStats are the figures of one priority.
type PriorityStats struct {
	Priority          engine.Priority `json:"priority"`
	Incidents         int             `json:"incidents"`
	TimeToDetect      Durations       `json:"time_to_detect"`
	TimeToAcknowledge Durations       `json:"time_to_acknowledge"`
	TimeToResolve     Durations       `json:"time_to_resolve"`
}

// Count is a number of incidents under a name.
type Count struct {
	Name      string `json:"name"`
	Incidents int    `json:"incidents"`
}

// Group is a number of incidents and of the alerts they grouped under a
// name.
type Group struct {
	Name      string `json:"name"`
	Incidents int    `json:"incidents"`
	Alerts    int    `json:"alerts"`
}

// Week is the number of incidents opened in one ISO week.
type Week struct {
	// Week is the ISO 8601 week, "2026-W53".
	Week string `json:"week"`
	// Start is the week's Monday, 00:00 UTC.
	Start     time.Time `json:"start"`
	Incidents int       `json:"incidents"`
}

// Build reports on the incidents opened in [since, until); a zero bound does
// not bound. Others in the list are left out, so the list may be wider than
// the window. alertSources, when not nil, is the number of alerts per source
// as the caller counted them (from the ingest counters, say, which include
// events); nil counts the incidents' alerts by the source in their IDs.
func Build(incidents []engine.Incident, alertSources map[string]int, since, until time.Time) Report {
	t := newTally()
	for i := range incidents {
		if inWindow(incidents[i].OpenedAt, since, until) {
			t.add(&incidents[i])
		}
	}
	r := t.report()
	r.Since, r.Until = utc(since), utc(until)
	r.Weeks = weeks(t.weeks, since, until)
	if alertSources != nil {
		r.AlertsBySource = maps.Clone(alertSources)
	}
	return r
}

func inWindow(t, since, until time.Time) bool {
	return (since.IsZero() || !t.Before(since)) && (until.IsZero() || t.Before(until))
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// tally accumulates the figures of the incidents in the window.
type tally struct {
	totals     Totals
	detect     samples
	ack        samples
	resolve    samples
	priorities map[engine.Priority]*priorityTally
	services   map[string]*Group
	summaries  map[string]*Group
	owners     map[string]int
	weeks      map[time.Time]int
	sources    map[string]int
}

// priorityTally accumulates the figures of one priority.
type priorityTally struct {
	incidents            int
	detect, ack, resolve samples
}

func newTally() *tally {
	return &tally{priorities: map[engine.Priority]*priorityTally{}, services: map[string]*Group{},
		summaries: map[string]*Group{}, owners: map[string]int{}, weeks: map[time.Time]int{},
		sources: map[string]int{}}
}

func (t *tally) add(inc *engine.Incident) {
	t.count(inc)
	p := t.priorities[inc.Priority]
	if p == nil {
		p = &priorityTally{}
		t.priorities[inc.Priority] = p
	}
	p.incidents++
	if d, ok := timeToDetect(inc); ok {
		t.detect, p.detect = append(t.detect, d), append(p.detect, d)
	}
	if !inc.AckedAt.IsZero() {
		d := inc.AckedAt.Sub(inc.OpenedAt)
		t.ack, p.ack = append(t.ack, d), append(p.ack, d)
	}
	if inc.State == engine.StateResolved && !inc.ResolvedAt.IsZero() {
		d := inc.ResolvedAt.Sub(inc.OpenedAt)
		t.resolve, p.resolve = append(t.resolve, d), append(p.resolve, d)
	}
}

// count adds the incident to the totals and the breakdowns by name.
func (t *tally) count(inc *engine.Incident) {
	t.totals.Incidents++
	switch inc.State {
	case engine.StateTriggered:
		t.totals.Triggered++
	case engine.StateAcknowledged:
		t.totals.Acknowledged++
	case engine.StateResolved:
		t.totals.Resolved++
	}
	if inc.Owner == "" {
		t.totals.Unowned++
	} else {
		t.owners[inc.Owner]++
	}
	t.totals.Alerts += len(inc.Alerts)
	addGroup(t.services, inc.Service, len(inc.Alerts))
	addGroup(t.summaries, inc.Summary, len(inc.Alerts))
	t.weeks[weekStart(inc.OpenedAt)]++
	for _, id := range inc.Alerts {
		t.sources[alertSource(id)]++
	}
}

func addGroup(m map[string]*Group, name string, alerts int) {
	g := m[name]
	if g == nil {
		g = &Group{Name: name}
		m[name] = g
	}
	g.Incidents++
	g.Alerts += alerts
}

// timeToDetect is opened - first alert's startsAt, never below zero (a
// source's clock may run ahead); false when the start is unknown.
func timeToDetect(inc *engine.Incident) (time.Duration, bool) {
	if inc.FirstAlertAt.IsZero() {
		return 0, false
	}
	return max(inc.OpenedAt.Sub(inc.FirstAlertAt), 0), true
}

// alertSource reads the source out of an alert ID, "source/fingerprint".
func alertSource(id string) string {
	source, _, _ := strings.Cut(id, "/")
	return source
}

// report turns the tally into a report, every list in a fixed order.
func (t *tally) report() Report {
	r := Report{Totals: t.totals, TimeToDetect: t.detect.durations(), TimeToAcknowledge: t.ack.durations(),
		TimeToResolve: t.resolve.durations(), ByPriority: []PriorityStats{}, ByOwner: []Count{},
		ByService: ranked(t.services, byIncidents), TopAlerts: ranked(t.summaries, byAlerts),
		AlertsBySource: t.sources}
	for _, pr := range slices.Sorted(maps.Keys(t.priorities)) {
		p := t.priorities[pr]
		r.ByPriority = append(r.ByPriority, PriorityStats{Priority: pr, Incidents: p.incidents,
			TimeToDetect: p.detect.durations(), TimeToAcknowledge: p.ack.durations(),
			TimeToResolve: p.resolve.durations()})
	}
	for name, n := range t.owners {
		r.ByOwner = append(r.ByOwner, Count{Name: name, Incidents: n})
	}
	slices.SortFunc(r.ByOwner, func(a, b Count) int {
		return cmpCounts(a.Incidents, b.Incidents, 0, 0, a.Name, b.Name)
	})
	if len(r.TopAlerts) > TopN {
		r.TopAlerts = r.TopAlerts[:TopN]
	}
	return r
}
