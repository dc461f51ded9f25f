package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/reports"
)

// reportUntil ends the scripted report window; --since 30d starts it at
// 2026-10-24 00:00 UTC.
const reportUntil = "2026-11-23T00:00:00Z"

// reportConfig writes a configuration whose embedded store holds a scripted
// month of incidents, and returns its path.
func reportConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rostersDir, err := filepath.Abs("../../examples/rosters")
	require.NoError(t, err)
	cfg := fmt.Sprintf("listen: \"127.0.0.1:0\"\ndata_dir: %s\nrosters: %s\n", filepath.Join(dir, "data"), rostersDir)
	path := filepath.Join(dir, "klaxon.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	store, err := embedded.Open(filepath.Join(dir, "data"), embedded.Options{})
	require.NoError(t, err)
	defer store.Close()
	script(t, store)
	return path
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// alert is a classified alert that started before it was received.
func alert(source, fp string, status engine.AlertStatus, pr engine.Priority, service, summary string, started time.Time) engine.Classified {
	return engine.Classified{
		Alert: engine.Alert{Source: source, Fingerprint: fp, Status: status, Summary: summary, StartsAt: started,
			Labels: map[string]string{"alertname": summary}},
		Priority: pr, Service: service, GroupKey: service + "/" + summary, Policy: "payments/payments",
	}
}

// script records the month: each incident opened, acknowledged and resolved
// at a known time, and one incident before the window.
func script(t *testing.T, s engine.Store) {
	t.Helper()
	ctx := context.Background()
	alice, bob := engine.Actor{ID: "alice", Name: "Alice Chen"}, engine.Actor{ID: "bob", Name: "Bob Diaz"}
	ingest := func(now string, a engine.Classified) {
		_, err := s.Ingest(ctx, at(now), []engine.Classified{a})
		require.NoError(t, err)
	}
	ack := func(now, key string, by engine.Actor) {
		_, err := s.Acknowledge(ctx, at(now), key, by, 0)
		require.NoError(t, err)
	}
	resolve := func(now, key string, by engine.Actor) {
		_, err := s.Resolve(ctx, at(now), key, by)
		require.NoError(t, err)
	}
	errors := "HighErrorRate api-gw 12% errors"
	// INC-1, before the window.
	ingest("2026-10-01T08:00:00Z", alert("alertmanager", "old", engine.AlertFiring, engine.P1, "checkout", errors, at("2026-10-01T07:59:00Z")))
	resolve("2026-10-01T08:30:00Z", "INC-1", bob)
	// INC-2: P1, detected in 1m, acknowledged in 3m, resolved in 25m; a second alert joins.
	ingest("2026-11-02T10:00:00Z", alert("alertmanager", "e1", engine.AlertFiring, engine.P1, "checkout", errors, at("2026-11-02T09:59:00Z")))
	ingest("2026-11-02T10:01:00Z", alert("alertmanager", "e2", engine.AlertFiring, engine.P1, "checkout", errors, at("2026-11-02T10:00:30Z")))
	ack("2026-11-02T10:03:00Z", "INC-2", alice)
	resolve("2026-11-02T10:25:00Z", "INC-2", alice)
	// INC-3: P0, detected in 2m, acknowledged in 5m, resolved in 1h10m.
	ingest("2026-11-10T03:00:00Z", alert("alertmanager", "down", engine.AlertFiring, engine.P0, "checkout", "CheckoutDown", at("2026-11-10T02:58:00Z")))
	ack("2026-11-10T03:05:00Z", "INC-3", bob)
	resolve("2026-11-10T04:10:00Z", "INC-3", bob)
	// INC-4: P2, detected in 10m, never acknowledged, resolved at its source in 40m.
	disk := alert("datadog", "disk", engine.AlertFiring, engine.P2, "search", "DiskFilling /var 91%", at("2026-11-18T13:50:00Z"))
	ingest("2026-11-18T14:00:00Z", disk)
	disk.Status = engine.AlertResolved
	ingest("2026-11-18T14:40:00Z", disk)
	// INC-5: P1, acknowledged in 1m, still open.
	ingest("2026-11-21T22:00:00Z", alert("alertmanager", "e3", engine.AlertFiring, engine.P1, "checkout", errors, at("2026-11-21T21:59:30Z")))
	ack("2026-11-21T22:01:00Z", "INC-5", alice)
	// INC-6: P2, triggered, nobody has answered.
	ingest("2026-11-22T09:00:00Z", alert("pagerduty", "q", engine.AlertFiring, engine.P2, "search", "QueueBacklog", at("2026-11-22T09:00:00Z")))
}

func TestReportGolden(t *testing.T) {
	path := reportConfig(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"report", "--config", path, "--since", "30d", "--until", reportUntil}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	golden(t, "report.golden", out.String())
}

func TestReportJSON(t *testing.T) {
	path := reportConfig(t)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"report", "--config", path, "--since", "2026-11-01T00:00:00Z", "--until", reportUntil, "--json"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var r reports.Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &r))
	assert.Equal(t, reports.Totals{Incidents: 5, Triggered: 1, Acknowledged: 1, Resolved: 3, Unowned: 2, Alerts: 6}, r.Totals)
	assert.Equal(t, reports.Durations{Count: 3, Mean: 3 * time.Minute, P50: 3 * time.Minute, P90: 5 * time.Minute}, r.TimeToAcknowledge)
	assert.Equal(t, reports.Durations{Count: 3, Mean: 45 * time.Minute, P50: 40 * time.Minute, P90: 70 * time.Minute}, r.TimeToResolve)
	assert.Equal(t, at("2026-11-01T00:00:00Z"), r.Since)
}

func TestReportRefusesABadWindow(t *testing.T) {
	cases := []struct{ name, since, until, want string }{
		{"since neither duration nor time", "last month", reportUntil, "--since: want a duration such as 30d or an RFC 3339 time"},
		{"until not a time", "30d", "tomorrow", "--until: want an RFC 3339 time"},
		{"since after until", "2026-12-01T00:00:00Z", reportUntil, "--since: 2026-12-01T00:00:00Z is not before --until"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"report", "--config", "unused.yaml", "--since", c.since, "--until", c.until}, &out, &errOut)
		assert.Equal(t, 2, code, c.name)
		assert.Contains(t, errOut.String(), c.want, c.name)
	}
}
