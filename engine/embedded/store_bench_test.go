package embedded

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/storetest"
)

func benchStore(b *testing.B) *Store {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func benchBatch(n, offset int) []engine.Classified {
	batch := make([]engine.Classified, n)
	for i := range batch {
		batch[i] = classified(fmt.Sprintf("fp%d", offset+i))
	}
	return batch
}

// BenchmarkIngestNew10 stores webhooks of 10 new alerts, each opening an
// incident, one after another (each waits for the disk).
func BenchmarkIngestNew10(b *testing.B) {
	s := benchStore(b)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := s.Ingest(context.Background(), now, benchBatch(10, n)); err != nil {
			b.Fatal(err)
		}
		n += 10
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkIngestNew10Parallel is the same from many senders at once, as a
// busy Alertmanager cluster sends: their changes share commits.
func BenchmarkIngestNew10Parallel(b *testing.B) {
	s := benchStore(b)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.SetParallelism(32)
	var next atomicCounter
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Ingest(context.Background(), now, benchBatch(10, int(next.add(10)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(next.load())/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkJoinLargeIncident stores one new alert joining an incident of
// 10, 1,000 or 10,000 alerts.
func BenchmarkJoinLargeIncident(b *testing.B) {
	storetest.JoinLargeIncident(b, func(b *testing.B) engine.Store { return benchStore(b) })
}

// BenchmarkIngestDuplicates10 stores the same 10 firing alerts again and again.
func BenchmarkIngestDuplicates10(b *testing.B) {
	s := benchStore(b)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	batch := benchBatch(10, 0)
	if _, err := s.Ingest(context.Background(), now, batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Ingest(context.Background(), now, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkClaimDue claims 100 timers at a time from a million pending.
func BenchmarkClaimDue(b *testing.B) {
	s := benchStore(b)
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const pending = 1_000_000
	s.mu.Lock()
	for i := range pending {
		t := &engine.Timer{ID: fmt.Sprintf("t%d", i), Kind: engine.TimerEscalate, Due: start.Add(time.Duration(i) * time.Millisecond)}
		s.timers.put(t)
	}
	s.mu.Unlock()
	now := start.Add(pending * time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ClaimDue(context.Background(), now, time.Hour, 100); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "timers/s")
}

type atomicCounter struct{ v atomic.Int64 }

func (c *atomicCounter) add(n int64) int64 { return c.v.Add(n) - n }
func (c *atomicCounter) load() int64       { return c.v.Load() }
