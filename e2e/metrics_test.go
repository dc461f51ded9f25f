package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseMetricsOfAScriptedIncident(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		// The alert started a minute before it reached Klaxon.
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.advance(3 * time.Minute)
		h.phone(alicePhone).reply("1a")
		h.advance(7 * time.Minute)
		h.phone(alicePhone).reply("1r")
		h.tick()

		h.expectMetric(`klaxon_time_to_detect_seconds_sum{priority="P1",service="checkout"} 60`)
		h.expectMetric(`klaxon_time_to_acknowledge_seconds_sum{priority="P1",service="checkout"} 180`)
		h.expectMetric(`klaxon_time_to_acknowledge_seconds_count{priority="P1",service="checkout"} 1`)
		h.expectMetric(`klaxon_time_to_resolve_seconds_sum{priority="P1",service="checkout"} 600`)
		h.expectMetric(`klaxon_page_latency_seconds_count{channel="sms"} 1`)
		h.expectMetric(`klaxon_acks_total{channel="sms"} 1`)
		h.expectMetric(`klaxon_incidents_open{priority="P1"} 0`)
		h.expectMetric(`klaxon_pages_total{channel="notice",result="sent"} 1`)
	})
}

func TestOpenIncidentsGauge(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		warning := firing("SlowQueries", "fp2")
		warning.Labels["severity"] = "warning"
		h.sendAlerts(firing("HighErrorRate", "fp1"), warning)
		h.expectMetric(`klaxon_incidents_open{priority="P1"} 1`)
		h.expectMetric(`klaxon_incidents_open{priority="P2"} 1`)
	})
}

func TestMetricNamesLintClean(t *testing.T) {
	h := newHarness(t, "embedded")
	h.sendAlerts(firing("HighErrorRate", "fp1"))
	h.tick()
	problems, err := testutil.GatherAndLint(h.srv.Registry())
	require.NoError(t, err)
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "klaxon_") {
			assert.Fail(t, "metric lint", "%s: %s", p.Metric, p.Text)
		}
	}
}
