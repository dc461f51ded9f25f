package reports

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// scripted describes one incident by its durations.
type scripted struct {
	number   int64
	priority engine.Priority
	service  string
	summary  string
	opened   time.Time
	detect   time.Duration // opened - first alert, or unknownStart
	ack      time.Duration // 0: never acknowledged
	resolve  time.Duration // 0: not resolved
	owner    string
	alerts   []string
}

// unknownStart marks an incident whose first alert's start is not known.
const unknownStart time.Duration = math.MinInt64

func (s scripted) incident() engine.Incident {
	inc := engine.Incident{Key: "INC-" + itoa(s.number), Number: s.number, Priority: s.priority, Service: s.service,
		Summary: s.summary, OpenedAt: s.opened, Owner: s.owner, Alerts: s.alerts, State: engine.StateTriggered}
	if s.detect != unknownStart {
		inc.FirstAlertAt = s.opened.Add(-s.detect)
	}
	if s.ack > 0 {
		inc.AckedAt, inc.State = s.opened.Add(s.ack), engine.StateAcknowledged
	}
	if s.resolve > 0 {
		inc.ResolvedAt, inc.State = s.opened.Add(s.resolve), engine.StateResolved
	}
	return inc
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// history spans the turn of 2026 to 2027: 2026 has an ISO week 53, which
// holds 2027-01-01 to 2027-01-03.
var history = []scripted{
	{1, engine.P1, "checkout", "HighErrorRate", at("2026-12-28T10:00:00Z"), time.Minute, 2 * time.Minute, 30 * time.Minute, "alice", []string{"alertmanager/a1", "alertmanager/a2"}},
	{2, engine.P1, "checkout", "HighErrorRate", at("2026-12-31T23:00:00Z"), 2 * time.Minute, 4 * time.Minute, time.Hour, "bob", []string{"alertmanager/a3"}},
	{3, engine.P1, "checkout", "HighLatency", at("2027-01-02T12:00:00Z"), 30 * time.Second, 10 * time.Minute, 2 * time.Hour, "alice", []string{"datadog/d1"}},
	{4, engine.P0, "search", "SearchDown", at("2027-01-04T00:00:00Z"), 0, time.Minute, 0, "alice", []string{"pagerduty/p1", "pagerduty/p2", "pagerduty/p3"}},
	{5, engine.P2, "checkout", "DiskFilling", at("2027-01-05T08:00:00Z"), unknownStart, 0, 15 * time.Minute, "", []string{"alertmanager/a4"}},
	// The source's clock ran ahead: the alert started after the incident opened.
	{6, engine.P2, "search", "DiskFilling", at("2027-01-06T09:00:00Z"), -30 * time.Second, 0, 0, "", []string{"alertmanager/a5"}},
	// Outside the window: opened before since, and at until.
	{7, engine.P0, "checkout", "Old", at("2026-12-27T23:59:59Z"), 0, time.Hour, 2 * time.Hour, "carol", []string{"alertmanager/old"}},
	{8, engine.P0, "checkout", "Late", at("2027-01-18T00:00:00Z"), 0, time.Hour, 2 * time.Hour, "carol", []string{"alertmanager/late"}},
}

var (
	since = at("2026-12-28T00:00:00Z")
	until = at("2027-01-18T00:00:00Z")
)

func historyIncidents() []engine.Incident {
	out := make([]engine.Incident, len(history))
	for i, s := range history {
		out[i] = s.incident()
	}
	return out
}

func durations(count int, mean, p50, p90 time.Duration) Durations {
	return Durations{Count: count, Mean: mean, P50: p50, P90: p90}
}

func TestBuild(t *testing.T) {
	r := Build(historyIncidents(), nil, since, until)
	m, s := time.Minute, time.Second
	cases := []struct {
		name      string
		got, want any
	}{
		{"window", []time.Time{r.Since, r.Until}, []time.Time{since, until}},
		{"totals by state, unowned and alerts", r.Totals,
			Totals{Incidents: 6, Triggered: 1, Acknowledged: 1, Resolved: 4, Unowned: 2, Alerts: 9}},
		{"TTA over acknowledged incidents only", r.TimeToAcknowledge, durations(4, 4*m+15*s, 2*m, 10*m)},
		{"TTR over resolved incidents only", r.TimeToResolve, durations(4, 56*m+15*s, 30*m, 2*time.Hour)},
		{"TTD without unknown starts, clock skew counted as zero", r.TimeToDetect, durations(5, 42*s, 30*s, 2*m)},
		{"P0 acknowledged, not resolved", r.ByPriority[0], PriorityStats{Priority: engine.P0, Incidents: 1,
			TimeToDetect: durations(1, 0, 0, 0), TimeToAcknowledge: durations(1, m, m, m)}},
		{"P1 means and nearest-rank percentiles", r.ByPriority[1], PriorityStats{Priority: engine.P1, Incidents: 3,
			TimeToDetect:      durations(3, 70*s, m, 2*m),
			TimeToAcknowledge: durations(3, 5*m+20*s, 4*m, 10*m),
			TimeToResolve:     durations(3, 70*m, time.Hour, 2*time.Hour)}},
		{"P2 never acknowledged", r.ByPriority[2], PriorityStats{Priority: engine.P2, Incidents: 2,
			TimeToDetect: durations(1, 0, 0, 0), TimeToResolve: durations(1, 15*m, 15*m, 15*m)}},
		{"only priorities with incidents", len(r.ByPriority), 3},
		{"services by incidents", r.ByService, []Group{{"checkout", 4, 5}, {"search", 2, 4}}},
		{"owners by incidents", r.ByOwner, []Count{{"alice", 3}, {"bob", 1}}},
		{"ISO weeks across the year boundary, empty weeks kept", r.Weeks, []Week{
			{"2026-W53", at("2026-12-28T00:00:00Z"), 3},
			{"2027-W01", at("2027-01-04T00:00:00Z"), 3},
			{"2027-W02", at("2027-01-11T00:00:00Z"), 0}}},
		{"summaries by alerts, then incidents", r.TopAlerts, []Group{
			{"HighErrorRate", 2, 3}, {"SearchDown", 1, 3}, {"DiskFilling", 2, 2}, {"HighLatency", 1, 1}}},
		{"alerts by the source in their IDs", r.AlertsBySource, map[string]int{"alertmanager": 5, "datadog": 1, "pagerduty": 3}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.got, c.name)
	}
}

func TestBuildEdges(t *testing.T) {
	cases := []struct {
		name         string
		incidents    []engine.Incident
		sources      map[string]int
		since, until time.Time
		check        func(t *testing.T, r Report)
	}{
		{"no incidents still lists the window's weeks", nil, nil, since, at("2027-01-04T00:00:01Z"), func(t *testing.T, r Report) {
			assert.Equal(t, Totals{}, r.Totals)
			assert.Equal(t, []string{"2026-W53", "2027-W01"}, weekNames(r.Weeks))
			assert.Empty(t, r.ByPriority)
			assert.Equal(t, Durations{}, r.TimeToAcknowledge)
		}},
		{"unbounded window lists the weeks that have incidents", historyIncidents(), nil, time.Time{}, time.Time{}, func(t *testing.T, r Report) {
			assert.Equal(t, 8, r.Totals.Incidents)
			assert.Equal(t, []string{"2026-W52", "2026-W53", "2027-W01", "2027-W02", "2027-W03"}, weekNames(r.Weeks))
		}},
		{"counted sources replace the ones in alert IDs", historyIncidents(), map[string]int{"datadog": 40}, since, until, func(t *testing.T, r Report) {
			assert.Equal(t, map[string]int{"datadog": 40}, r.AlertsBySource)
		}},
		{"top alerts keep the first ten", manySummaries(12), nil, since, until, func(t *testing.T, r Report) {
			require.Len(t, r.TopAlerts, TopN)
			assert.Equal(t, Group{"alert-11", 1, 12}, r.TopAlerts[0])
			assert.Equal(t, 12, r.Totals.Incidents)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, Build(c.incidents, c.sources, c.since, c.until)) })
	}
}

func weekNames(ws []Week) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Week
	}
	return out
}

// manySummaries makes n incidents, the i-th with i+1 alerts.
func manySummaries(n int) []engine.Incident {
	out := make([]engine.Incident, n)
	for i := range out {
		alerts := make([]string, i+1)
		for j := range alerts {
			alerts[j] = "alertmanager/x"
		}
		out[i] = engine.Incident{Number: int64(i + 1), Summary: "alert-" + itoa(int64(i)),
			OpenedAt: since.Add(time.Duration(i) * time.Hour), Alerts: alerts, State: engine.StateTriggered}
	}
	return out
}

func TestPercentileIsNearestRank(t *testing.T) {
	cases := []struct {
		name   string
		values []time.Duration
		p      int
		want   time.Duration
	}{
		{"one value is every percentile", []time.Duration{7}, 90, 7},
		{"p50 of two is the lower", []time.Duration{1, 2}, 50, 1},
		{"p90 of two is the higher", []time.Duration{1, 2}, 90, 2},
		{"p50 of ten is the fifth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5},
		{"p90 of ten is the ninth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"p90 of eleven is the tenth", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10},
		{"p0 is the smallest", []time.Duration{3, 4}, 0, 3},
		{"p100 is the largest", []time.Duration{3, 4, 5}, 100, 5},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, percentile(c.values, c.p), c.name)
	}
}

func TestDurationsJSONInSeconds(t *testing.T) {
	b, err := json.Marshal(durations(2, 90*time.Second, time.Minute, 2*time.Minute))
	require.NoError(t, err)
	assert.JSONEq(t, `{"count": 2, "mean_seconds": 90, "p50_seconds": 60, "p90_seconds": 120}`, string(b))

	b, err = json.Marshal(Durations{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"count": 0}`, string(b), "nothing measured: no figures, not zeros")

	var back Durations
	require.NoError(t, json.Unmarshal([]byte(`{"count": 1, "mean_seconds": 1.5, "p50_seconds": 1.5, "p90_seconds": 1.5}`), &back))
	assert.Equal(t, durations(1, 1500*time.Millisecond, 1500*time.Millisecond, 1500*time.Millisecond), back)
}

func TestReportJSONRoundTrips(t *testing.T) {
	r := Build(historyIncidents(), nil, since, until)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)
}
