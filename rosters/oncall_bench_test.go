package rosters_test

import (
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

func BenchmarkOnCall(b *testing.B) {
	s, err := rosters.Parse(map[string][]byte{"p.yaml": []byte(`team: p
timezone: America/New_York
people:
  - {id: a, phone: "+15550000001"}
  - {id: b, phone: "+15550000002"}
rotations:
  - {name: r, members: [a, b], shift: 12h, handoff: "2026-01-05 09:00", hours: "Mon-Fri 08:00-20:00"}
overrides:
  - {rotation: r, person: b, from: "2026-11-20 09:00", to: "2026-11-27 09:00"}
`)})
	if err != nil {
		b.Fatal(err)
	}
	target := rosters.Target{Kind: rosters.KindRotation, Team: "p", Name: "r"}
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		s.OnCall(target, at)
	}
}
