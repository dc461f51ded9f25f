package engine

import (
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
)

func BenchmarkClassify(b *testing.B) {
	parse := func(s string) []*labels.Matcher {
		ms, err := labels.ParseMatchers(s)
		if err != nil {
			b.Fatal(err)
		}
		return ms
	}
	c := &Classifier{ServiceLabel: "service", Default: P2, Rules: []Rule{
		{Matchers: parse(`{severity="page",env="prod"}`), Priority: P0},
		{Matchers: parse(`{category="security"}`), Priority: P1, Service: "security"},
		{Matchers: parse(`{severity="critical"}`), Priority: P1},
		{Matchers: parse(`{severity=~"info|none"}`), Priority: P3},
	}}
	a := &Alert{Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "checkout", "env": "prod"}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		c.Classify(a, "", now)
	}
}

func BenchmarkGroupKey(b *testing.B) {
	ls := map[string]string{"alertname": "HighErrorRate", "instance": "api-1"}
	b.ReportAllocs()
	for b.Loop() {
		GroupKey("checkout", []string{"alertname", "instance"}, ls)
	}
}
