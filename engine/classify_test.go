package engine

import (
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func matchers(t *testing.T, s string) []*labels.Matcher {
	t.Helper()
	ms, err := labels.ParseMatchers(s)
	require.NoError(t, err)
	return ms
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	c := &Classifier{
		ServiceLabel: "service",
		Default:      P2,
		Rules: []Rule{
			{Matchers: matchers(t, `{severity="page",env="prod"}`), Priority: P0},
			{Matchers: matchers(t, `{category="security"}`), Priority: P1, Service: "security", Category: "security"},
			{Matchers: matchers(t, `{severity="critical"}`), Priority: P1},
			{Matchers: matchers(t, `{severity=~"info|none"}`), Priority: P3},
		},
		Maintenance: []Window{{Matchers: matchers(t, `{service="checkout"}`),
			From: now.Add(-time.Hour), To: now.Add(time.Hour)}},
	}
	cases := []struct {
		name     string
		labels   map[string]string
		fallback string
		priority Priority
		service  string
		category string
		event    EventReason
	}{
		{"first matching rule wins", map[string]string{"severity": "page", "env": "prod", "service": "api"}, "", P0, "api", "", ""},
		{"all matchers of a rule must match", map[string]string{"severity": "page", "env": "dev", "service": "api"}, "", P2, "api", "", ""},
		{"a rule may set service and category", map[string]string{"category": "security", "service": "api"}, "", P1, "security", "security", ""},
		{"regex matcher", map[string]string{"severity": "info", "service": "api"}, "", P3, "api", "", EventLowPriority},
		{"no rule: default priority", map[string]string{"service": "api"}, "", P2, "api", "", ""},
		{"no service label: the integration's service", map[string]string{"severity": "critical"}, "web", P1, "web", "", ""},
		{"maintenance window by label", map[string]string{"service": "checkout", "severity": "critical"}, "", P1, "checkout", "", EventMaintenance},
		{"maintenance window by the integration's service", map[string]string{"severity": "critical"}, "checkout", P1, "checkout", "", EventMaintenance},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Classify(&Alert{Labels: tc.labels}, tc.fallback, now)
			assert.Equal(t, tc.priority, got.Priority)
			assert.Equal(t, tc.service, got.Service)
			assert.Equal(t, tc.category, got.Category)
			assert.Equal(t, tc.event, got.Event)
		})
	}
}

func TestMaintenanceWindowEndsAtTo(t *testing.T) {
	from := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	c := &Classifier{ServiceLabel: "service", Default: P1,
		Maintenance: []Window{{Matchers: matchers(t, `{service="checkout"}`), From: from, To: from.Add(2 * time.Hour)}}}
	a := &Alert{Labels: map[string]string{"service": "checkout"}}
	assert.Equal(t, EventReason(""), c.Classify(a, "", from.Add(-time.Second)).Event)
	assert.Equal(t, EventMaintenance, c.Classify(a, "", from).Event)
	assert.Equal(t, EventReason(""), c.Classify(a, "", from.Add(2*time.Hour)).Event)
}

func TestGroupKey(t *testing.T) {
	ls := map[string]string{"alertname": "HighErrorRate", "instance": "a"}
	assert.Equal(t, `checkout{alertname="HighErrorRate"}`, GroupKey("checkout", []string{"alertname"}, ls))
	assert.Equal(t, `checkout{alertname="HighErrorRate",zone=""}`, GroupKey("checkout", []string{"alertname", "zone"}, ls))
}

func TestPriorityText(t *testing.T) {
	for _, s := range []string{"P0", "P1", "P2", "P3"} {
		p, err := ParsePriority(s)
		require.NoError(t, err)
		assert.Equal(t, s, p.String())
	}
	_, err := ParsePriority("P4")
	assert.ErrorContains(t, err, `"P4" is not one of P0, P1, P2, P3`)
}
