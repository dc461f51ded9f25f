package storetest

import (
	"fmt"
	"testing"

	"github.com/klaxonhq/klaxon/engine"
)

// JoinLargeIncident times one new alert joining an open incident that
// already holds alerts=N, for N of 10, 1,000 and 10,000: the storm whose
// alerts all share a group. open opens an empty store for one size.
func JoinLargeIncident(b *testing.B, open func(*testing.B) engine.Store) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			s := open(b)
			for from := 0; from < n; from += 100 {
				if _, err := s.Ingest(ctx, T0, stormAlerts(from, min(100, n-from))); err != nil {
					b.Fatal(err)
				}
			}
			next := n
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Ingest(ctx, T0, stormAlerts(next, 1)); err != nil {
					b.Fatal(err)
				}
				next++
			}
		})
	}
}

// stormAlerts is n new firing alerts of one group, from alert number from on.
func stormAlerts(from, n int) []engine.Classified {
	batch := make([]engine.Classified, n)
	for i := range batch {
		batch[i] = alert(fmt.Sprintf("storm-%d", from+i), engine.AlertFiring, "storm")
	}
	return batch
}
