package reports

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dashboardPath is the Grafana dashboard built on Klaxon's metrics.
const dashboardPath = "../examples/grafana/klaxon.json"

// Klaxon's metrics (SPEC section 7), without the klaxon_ namespace: the only
// names the dashboard may query. Histograms also answer to _bucket, _sum and
// _count.
var (
	plainMetrics = []string{
		"alerts_received_total", "alerts_deduplicated_total", "alerts_rejected_total", "events_total",
		"incidents_opened_total", "incidents_resolved_total", "incidents_open", "pages_total",
		"escalations_total", "escalations_exhausted_total", "escalations_unreachable_total", "acks_total",
		"status_reminders_total", "stakeholder_emails_total",
	}
	histogramMetrics = []string{
		"page_latency_seconds", "time_to_detect_seconds", "time_to_acknowledge_seconds",
		"time_to_resolve_seconds", "timer_lag_seconds", "store_operation_seconds",
	}
	// metricLabels are the labels those metrics carry, with le of the
	// histograms and job of the scrape.
	metricLabels = []string{"source", "reason", "priority", "service", "channel", "result", "operation", "le", "job"}
)

var (
	metricName = regexp.MustCompile(`\bklaxon_[a-zA-Z0-9_:]+`)
	byClause   = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
)

// dashboard is the part of a Grafana dashboard the test reads.
type dashboard struct {
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title      string     `json:"title"`
	Type       string     `json:"type"`
	Datasource datasource `json:"datasource"`
	Targets    []struct {
		Expr       string     `json:"expr"`
		Datasource datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

type datasource struct {
	UID string `json:"uid"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile(dashboardPath)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d))
	return d
}

// queries lists every PromQL expression of the dashboard, each named by
// where it is.
func (d dashboard) queries(t *testing.T) map[string]string {
	out := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			assert.Equal(t, "${DS_PROMETHEUS}", p.Datasource.UID, "panel %q: data source", p.Title)
			assert.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
			for i, tg := range p.Targets {
				assert.Equal(t, "${DS_PROMETHEUS}", tg.Datasource.UID, "panel %q query %d: data source", p.Title, i)
				out["panel "+p.Title+" query "+string(rune('A'+i))] = tg.Expr
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			out["variable "+v.Name] = v.Definition
		}
	}
	return out
}

func TestDashboardQueriesOnlyKlaxonMetrics(t *testing.T) {
	d := loadDashboard(t)
	assert.GreaterOrEqual(t, d.SchemaVersion, 39)
	queries := d.queries(t)
	require.NotEmpty(t, queries)
	used := map[string]bool{}
	for where, expr := range queries {
		names := metricName.FindAllString(expr, -1)
		assert.NotEmpty(t, names, "%s queries no klaxon metric: %s", where, expr)
		for _, name := range names {
			base, ok := knownMetric(strings.TrimPrefix(name, "klaxon_"))
			assert.True(t, ok, "%s: %s is not one of Klaxon's metrics", where, name)
			used[base] = true
		}
		for _, m := range byClause.FindAllStringSubmatch(expr, -1) {
			for label := range strings.SplitSeq(m[1], ",") {
				label = strings.TrimSpace(label)
				assert.Contains(t, metricLabels, label, "%s: no Klaxon metric has the label %q", where, label)
			}
		}
	}
	for _, name := range slices.Concat(plainMetrics, histogramMetrics) {
		assert.True(t, used[name], "klaxon_%s is on no panel", name)
	}
}

func TestDashboardHasADataSourceVariable(t *testing.T) {
	d := loadDashboard(t)
	found := false
	for _, v := range d.Templating.List {
		found = found || (v.Name == "DS_PROMETHEUS" && v.Type == "datasource")
	}
	assert.True(t, found, "the dashboard needs a DS_PROMETHEUS data source variable")
}

// knownMetric returns the metric a series name belongs to: itself, or the
// histogram it is the _bucket, _sum or _count of.
func knownMetric(name string) (string, bool) {
	if slices.Contains(plainMetrics, name) || slices.Contains(histogramMetrics, name) {
		return name, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(histogramMetrics, base) {
			return base, true
		}
	}
	return "", false
}
