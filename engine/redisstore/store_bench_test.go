package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/redistest"
)

var benchT0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// benchStore opens a store on a server of the benchmark's own, with the
// append-only file fsynced on every write as production runs it.
func benchStore(b *testing.B, opts ...redistest.Option) (*Store, *redistest.Server) {
	b.Helper()
	srv := redistest.Start(b, opts...)
	s, err := Open(context.Background(), Options{URL: srv.URL()})
	require.NoError(b, err)
	b.Cleanup(func() { s.Close() })
	return s, srv
}

func benchAlerts(from, n int) []engine.Classified {
	batch := make([]engine.Classified, n)
	for i := range batch {
		fp := strconv.Itoa(from + i)
		batch[i] = engine.Classified{
			Alert: engine.Alert{Source: "alertmanager", Fingerprint: fp, Status: engine.AlertFiring,
				Summary: "HighErrorRate api-gw 12% errors", StartsAt: benchT0.Add(-time.Minute),
				Labels: map[string]string{"alertname": "HighErrorRate", "instance": "api-gw-" + fp, "severity": "critical"}},
			Priority: engine.P1, Service: "checkout", Policy: "payments/payments", GroupKey: "checkout/HighErrorRate/" + fp,
			Integration: "prod-alertmanager",
		}
	}
	return batch
}

// usedMemory is Redis's used_memory in bytes.
func usedMemory(b *testing.B, s *Store) int64 {
	b.Helper()
	info, err := s.rdb.Info(context.Background(), "memory").Result()
	require.NoError(b, err)
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(b, err)
			return n
		}
	}
	b.Fatal("no used_memory in INFO")
	return 0
}

// BenchmarkIngestNew ingests batches of new alerts, each opening an
// incident with its escalation timer.
func BenchmarkIngestNew(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s, _ := benchStore(b)
			ctx := context.Background()
			before, next := usedMemory(b, s), 0
			b.ReportAllocs()
			for b.Loop() {
				_, err := s.Ingest(ctx, benchT0, benchAlerts(next, n))
				if err != nil {
					b.Fatal(err)
				}
				next += n
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "alerts/s")
			b.ReportMetric(float64(usedMemory(b, s)-before)/float64(next), "redis-B/incident")
		})
	}
}

// BenchmarkIngestDuplicates ingests a batch of 100 alerts seen before: the
// alert-storm path.
func BenchmarkIngestDuplicates(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	batch := benchAlerts(0, 100)
	_, err := s.Ingest(ctx, benchT0, batch)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Ingest(ctx, benchT0, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(batch)*b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkClaimDue claims 100 timers at a time from 1,000,000 due.
func BenchmarkClaimDue(b *testing.B) {
	const pending = 1_000_000
	s, _ := benchStore(b)
	ctx := context.Background()
	fillTimers(b, s, pending, benchT0)
	claimed := 0
	b.ReportAllocs()
	for b.Loop() {
		timers, err := s.ClaimDue(ctx, benchT0, 10*time.Second, 100)
		if err != nil || len(timers) != 100 {
			b.Fatalf("claimed %d: %v", len(timers), err)
		}
		claimed += len(timers)
	}
	b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "timers/s")
}

// fillScript stores page timers bench/<from>..bench/<to>, all due at one
// time; only the benchmark uses it.
//
// ARGV: common.lua's head, then from, to, due (as Go writes times), due score.
var fillScript = redis.NewScript(mustRead("common.lua") + `
local from, to, due, score = tonumber(ARGV[HEAD + 1]), tonumber(ARGV[HEAD + 2]), ARGV[HEAD + 3], ARGV[HEAD + 4]
for i = from, to do
  local id = 'bench/' .. i
  put_timer(id, '{"id":"' .. id .. '","kind":"page","incident":"INC-1","gen":"1","due":"' .. due .. '"}', score)
end
return to - from + 1
`)

func fillTimers(b *testing.B, s *Store, n int, due time.Time) {
	b.Helper()
	const chunk = 20_000
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n) - 1
		_, err := s.run(context.Background(), fillScript, "fill timers", from, to, formatTime(due), dueScore(due))
		require.NoError(b, err)
	}
}
