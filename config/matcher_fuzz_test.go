package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// FuzzMatcher puts a fuzzed matcher list in the match field of a classify
// rule and of a maintenance window, parses the file, and matches what it
// got against a few label sets. The file parses exactly when Alertmanager's
// parser takes the matchers; problems are file:line.
func FuzzMatcher(f *testing.F) {
	for _, seed := range []string{
		`{severity="page",env="prod"}`, `{severity=~"info|none"}`, `{category!="security"}`, `{a!~"x.*"}`,
		`severity="critical"`, `{}`, `{a=~"("}`, `{a=~"(?i)ÄÖ"}`, `{a="\"quoted\" and \\ back"}`, `{a=~"a{1000}{1000}"}`,
		`{a=`, `{"utf-8 name"="v"}`, `{a="b",}`, `{,}`, `a=b,c=~d|e`, "{a=\"\x00\"}", `{__name__=~".+"}`,
	} {
		f.Add(seed)
	}
	labelSets := []model.LabelSet{{}, {"severity": "page", "env": "prod"}, {"a": "b", "category": "security"}}
	f.Fuzz(func(t *testing.T, match string) {
		cfg, err := config.Parse("klaxon.yaml", matcherFile(t, match), nil)
		if err != nil {
			requireLocated(t, err)
			return
		}
		checkMatchers(t, cfg.Classify[0].Match, cfg.Classify[0].Matchers, labelSets)
		checkMatchers(t, cfg.Maintenance[0].Match, cfg.Maintenance[0].Matchers, labelSets)
	})
}

// checkMatchers requires that ms is what match parses to, and matches it
// against each label set.
func checkMatchers(t *testing.T, match string, ms labels.Matchers, sets []model.LabelSet) {
	t.Helper()
	again, err := labels.ParseMatchers(match)
	if err != nil || labels.Matchers(again).String() != ms.String() {
		t.Fatalf("accepted %q as %s, but it parses as %v (%v)", match, ms, again, err)
	}
	for _, ls := range sets {
		ms.Matches(ls)
	}
}

// matcherFile is a klaxon.yaml whose classify rule and maintenance window
// both match on match, written as a JSON string (which YAML reads as a
// double-quoted scalar).
func matcherFile(t *testing.T, match string) []byte {
	t.Helper()
	var quoted bytes.Buffer
	enc := json.NewEncoder(&quoted)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(match); err != nil {
		t.Fatal(err)
	}
	q := bytes.TrimSpace(quoted.Bytes())
	var b bytes.Buffer
	b.WriteString("classify:\n  - match: ")
	b.Write(q)
	b.WriteString("\n    priority: P1\nmaintenance:\n  - match: ")
	b.Write(q)
	b.WriteString("\n    from: 2026-11-22T02:00:00Z\n    to: 2026-11-22T04:00:00Z\n")
	return b.Bytes()
}

// requireLocated requires that err is a list of problems, each naming the
// file and a line.
func requireLocated(t *testing.T, err error) {
	t.Helper()
	var problems yamlfile.Errors
	if !errors.As(err, &problems) {
		t.Fatalf("error is not a list of file:line problems: %v", err)
	}
	for _, p := range problems {
		if p.File != "klaxon.yaml" || p.Line == 0 {
			t.Fatalf("problem without a file and line: %q", p.Error())
		}
	}
}

// TestMatcherFileParses guards FuzzMatcher: a valid matcher must get
// through the file it is written into.
func TestMatcherFileParses(t *testing.T) {
	cfg, err := config.Parse("klaxon.yaml", matcherFile(t, `{severity="page",summary=~"\"x\"|<&>"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Maintenance[0].Matchers.String(); got != `{severity="page",summary=~"\"x\"|<&>"}` {
		t.Fatalf("matchers %s", got)
	}
}
