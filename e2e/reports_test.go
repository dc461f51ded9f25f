package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/reports"
)

// fetchReport asks GET /v1/reports with the query and returns the status and
// the raw answer.
func (h *harness) fetchReport(query url.Values, token string) (int, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/reports?"+query.Encode(), nil)
	require.NoError(h.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var raw json.RawMessage
	require.NoError(h.t, json.NewDecoder(resp.Body).Decode(&raw))
	return resp.StatusCode, raw
}

// reportOf requires a 200 to GET /v1/reports with the query and decodes it.
func (h *harness) reportOf(query url.Values) reports.Report {
	h.t.Helper()
	status, raw := h.fetchReport(query, apiToken)
	require.Equal(h.t, http.StatusOK, status, "answer: %s", raw)
	var r reports.Report
	require.NoError(h.t, json.Unmarshal(raw, &r))
	return r
}

// startedAgo is an alert that started d before now on the fake clock.
func (h *harness) startedAgo(a amAlert, d time.Duration) amAlert {
	a.StartsAt = h.clock.Now().Add(-d)
	return a
}

// scriptIncidents runs three incidents through the API on the fake clock:
// INC-1 (P1) detected in 1m, acknowledged by SMS in 4m, resolved in 30m;
// INC-2 (P2) detected in 5m, acknowledged by API in 2m, resolved in 1h;
// INC-3 (P1) detected at once, never acknowledged.
func scriptIncidents(t *testing.T, h *harness) {
	h.sendAlerts(h.startedAgo(firing("HighErrorRate", "fp1"), time.Minute))
	h.tick()
	alice := h.phone(alicePhone)
	alice.expectSMS("INC-1")
	h.advance(4 * time.Minute)
	assert.Contains(t, alice.reply("1a"), "INC-1 acknowledged")
	h.advance(26 * time.Minute)
	status, out := h.operate("INC-1", "resolve", `{"by": "alice"}`)
	require.Equal(t, http.StatusOK, status, "%v", out)

	h.sendAlerts(h.startedAgo(firing("DiskFull", "fp2", "severity", "warning"), 5*time.Minute))
	h.tick()
	h.advance(2 * time.Minute)
	status, out = h.operate("INC-2", "ack", `{"by": "bob"}`)
	require.Equal(t, http.StatusOK, status, "%v", out)
	h.advance(58 * time.Minute)
	status, out = h.operate("INC-2", "resolve", `{"by": "bob"}`)
	require.Equal(t, http.StatusOK, status, "%v", out)

	h.sendAlerts(h.startedAgo(firing("LatencyHigh", "fp3"), 0))
	h.tick()
	h.advance(10 * time.Minute)
}

func TestReportMeasuresAScriptedHistory(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		scriptIncidents(t, h)
		r := h.reportOf(nil)
		m := time.Minute
		assert.Equal(t, h.clock.Now().UTC(), r.Until, "until defaults to now")
		assert.Equal(t, r.Until.Add(-30*24*time.Hour), r.Since, "since defaults to 30 days before")
		assert.Equal(t, reports.Totals{Incidents: 3, Triggered: 1, Resolved: 2, Unowned: 1, Alerts: 3}, r.Totals)
		assert.Equal(t, reports.Durations{Count: 2, Mean: 3 * m, P50: 2 * m, P90: 4 * m}, r.TimeToAcknowledge)
		assert.Equal(t, reports.Durations{Count: 2, Mean: 45 * m, P50: 30 * m, P90: time.Hour}, r.TimeToResolve)
		assert.Equal(t, reports.Durations{Count: 3, Mean: 2 * m, P50: m, P90: 5 * m}, r.TimeToDetect)
		assert.Equal(t, []reports.PriorityStats{
			{Priority: engine.P1, Incidents: 2, TimeToDetect: reports.Durations{Count: 2, Mean: 30 * time.Second, P90: m},
				TimeToAcknowledge: reports.Durations{Count: 1, Mean: 4 * m, P50: 4 * m, P90: 4 * m},
				TimeToResolve:     reports.Durations{Count: 1, Mean: 30 * m, P50: 30 * m, P90: 30 * m}},
			{Priority: engine.P2, Incidents: 1, TimeToDetect: reports.Durations{Count: 1, Mean: 5 * m, P50: 5 * m, P90: 5 * m},
				TimeToAcknowledge: reports.Durations{Count: 1, Mean: 2 * m, P50: 2 * m, P90: 2 * m},
				TimeToResolve:     reports.Durations{Count: 1, Mean: time.Hour, P50: time.Hour, P90: time.Hour}},
		}, r.ByPriority)
		assert.Equal(t, []reports.Count{{Name: "alice", Incidents: 1}, {Name: "bob", Incidents: 1}}, r.ByOwner)
		assert.Equal(t, []reports.Group{{Name: "checkout", Incidents: 3, Alerts: 3}}, r.ByService)
		assert.Equal(t, map[string]int{"alertmanager": 3}, r.AlertsBySource)
		require.NotEmpty(t, r.Weeks)
		assert.Equal(t, reports.Week{Week: "2026-W47", Start: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), Incidents: 3},
			r.Weeks[len(r.Weeks)-1])
	})
}

func TestReportWindowIsHalfOpen(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		scriptIncidents(t, h)
		// INC-2 opened at start+30m and INC-3 at start+90m.
		q := url.Values{"since": {start.Add(30 * time.Minute).Format(time.RFC3339)},
			"until": {start.Add(90 * time.Minute).Format(time.RFC3339)}}
		r := h.reportOf(q)
		assert.Equal(t, 1, r.Totals.Incidents)
		assert.Equal(t, []reports.Group{{Name: "DiskFull api-gw 12% errors", Incidents: 1, Alerts: 1}}, r.TopAlerts)
	})
}

func TestReportRefusesBadRequests(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		cases := []struct {
			name   string
			query  url.Values
			token  string
			status int
			error  string
		}{
			{"since after until", url.Values{"since": {"2026-11-22T00:00:00Z"}, "until": {"2026-11-01T00:00:00Z"}}, apiToken, http.StatusBadRequest, "since:"},
			{"since not a time", url.Values{"since": {"30d"}}, apiToken, http.StatusBadRequest, "since:"},
			{"until not a time", url.Values{"until": {"now"}}, apiToken, http.StatusBadRequest, "until:"},
			{"no api token", nil, "", http.StatusUnauthorized, "api token"},
			{"an integration token", nil, amToken, http.StatusUnauthorized, "api token"},
		}
		for _, c := range cases {
			status, raw := h.fetchReport(c.query, c.token)
			assert.Equal(t, c.status, status, c.name)
			var out map[string]string
			require.NoError(t, json.Unmarshal(raw, &out), c.name)
			assert.Contains(t, out["error"], c.error, c.name)
		}
	})
}
