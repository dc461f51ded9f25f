package rosters_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
	"github.com/klaxonhq/klaxon/rosters"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"payments.yaml", "sre.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	seeds := []string{
		"",
		base,
		withPolicy,
		withRotation + "    hours: \"Fri-Mon 22:00-06:00, Sat 10:00-14:00\"\n",
		withRotation + "overrides:\n  - rotation: r\n    person: a\n    from: \"2026-01-01 00:00\"\n    to: \"2026-01-03 00:00\"\n",
		base + "    notify: [sms, {voice: 2m}, {email: 1w}]\n",
		"team: t\ntimezone: America/New_York\npeople:\n  - id: a\n    email: a@x.io\nrotations:\n  - name: r\n    members: [a]\n    shift: 1m\n    handoff: \"2026-03-08 01:59\"\n",
		"team: [\n",
		"people: {a: b}\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	at := time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := rosters.Parse(map[string][]byte{"payments.yaml": data, "sre.yaml": []byte(sreFixture)})
		if err != nil {
			var problems yamlfile.Errors
			if !errors.As(err, &problems) {
				t.Fatalf("error is not a list of file:line problems: %v", err)
			}
			for _, p := range problems {
				if p.File == "" || (p.Line == 0 && len(data) > 0) {
					t.Fatalf("problem without a file and line: %q", p.Error())
				}
			}
			return
		}
		for _, r := range set.Rotations() {
			r.OnCallAt(at)
			r.NextHandoffs(at, 2)
			set.OnCall(rosters.Target{Kind: rosters.KindRotation, Team: r.Team, Name: r.Name}, at)
		}
	})
}

// sreFixture is a second file for fuzzed files to reference.
const sreFixture = `team: sre
timezone: Europe/Berlin
people:
  - id: carol
    phone: "+4915112345671"
rotations:
  - name: incident-commander
    members: [carol]
    shift: 12h
    handoff: "2026-01-05 09:00"
`
