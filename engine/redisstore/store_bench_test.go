package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/storetest"
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

// BenchmarkIngestNew ingests batches of new alerts, each opening an
// incident with its escalation timer.
func BenchmarkIngestNew(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s, srv := benchStore(b)
			ctx := context.Background()
			before, next := srv.Info(b, "memory", "used_memory"), 0
			b.ReportAllocs()
			for b.Loop() {
				_, err := s.Ingest(ctx, benchT0, benchAlerts(next, n))
				if err != nil {
					b.Fatal(err)
				}
				next += n
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "alerts/s")
			b.ReportMetric(float64(srv.Info(b, "memory", "used_memory")-before)/float64(next), "redis-B/incident")
		})
	}
}

// BenchmarkJoinLargeIncident ingests one new alert joining an incident of
// 10, 1,000 or 10,000 alerts.
func BenchmarkJoinLargeIncident(b *testing.B) {
	storetest.JoinLargeIncident(b, func(b *testing.B) engine.Store {
		s, _ := benchStore(b)
		return s
	})
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
		claims, err := s.ClaimDue(ctx, benchT0, 10*time.Second, 100)
		timers := engine.TimersOf(claims)
		if err != nil || len(timers) != 100 {
			b.Fatalf("claimed %d: %v", len(timers), err)
		}
		claimed += len(timers)
	}
	b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "timers/s")
}

// BenchmarkEscalationFire runs what one escalation costs Redis as the
// engine's workers run it, one at a time: claim a due escalation timer,
// complete it with a page and claim the page timer in the same script,
// complete the page as sent. It reports the commands the scripts call and
// the scripts' own time in redis-server per fire (INFO commandstats).
func BenchmarkEscalationFire(b *testing.B) {
	s, srv := benchStore(b)
	ctx := context.Background()
	const incidents = 20_000
	for i := 0; i < incidents; i += 100 {
		_, err := s.Ingest(ctx, benchT0, benchAlerts(i, 100))
		require.NoError(b, err)
	}
	stats := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	b.Cleanup(func() { stats.Close() })
	require.NoError(b, stats.ConfigResetStat(ctx).Err())
	now, fires := benchT0.Add(time.Second), 0
	for b.Loop() {
		if fires == incidents {
			b.Fatalf("more than %d fires asked", incidents)
		}
		if err := fireEscalation(ctx, s, now); err != nil {
			b.Fatal(err)
		}
		fires++
	}
	calls, scriptMicros := scriptCost(b, stats)
	b.ReportMetric(calls/float64(fires), "redis-calls/fire")
	b.ReportMetric(scriptMicros/float64(fires), "script-µs/fire")
}

// fireEscalation claims one due escalation timer and runs it as the engine
// would for the bench roster's one person paged by SMS.
func fireEscalation(ctx context.Context, s *Store, now time.Time) error {
	claims, err := s.ClaimDue(ctx, now, time.Minute, 1)
	if err != nil || len(claims) != 1 {
		return fmt.Errorf("claim: %d claimed, %v", len(claims), err)
	}
	esc, inc := claims[0].Timers[0], claims[0].Incident
	c, err := s.CompleteAndClaim(ctx, now, pageAliceStep(esc, inc, now), time.Minute)
	if err != nil || len(c.Timers) != 1 {
		return fmt.Errorf("escalate %s: claimed %d, %v", inc.Key, len(c.Timers), err)
	}
	return s.Complete(ctx, now, pageSent(c.Timers[0], now))
}

// scriptCost sums INFO commandstats since the last reset: the commands
// scripts called (every command but the scripts and INFO's own), and the
// scripts' time in microseconds.
func scriptCost(b *testing.B, rdb *redis.Client) (calls, scriptMicros float64) {
	b.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(b, err)
	for line := range strings.Lines(info) {
		name, stats, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "cmdstat_"), ":")
		if !ok {
			continue // the section's heading, or a blank line
		}
		var n, micros float64
		_, err := fmt.Sscanf(stats, "calls=%g,usec=%g", &n, &micros)
		require.NoError(b, err, line)
		switch name {
		case "evalsha", "eval":
			scriptMicros += micros
		case "info", "config|resetstat":
		default:
			calls += n
		}
	}
	return calls, scriptMicros
}

// BenchmarkPagePath runs what a new incident costs the store on its way to
// its first page: ingest one new alert, then claim (one at a time) and run
// two timers, whichever are found: an escalation (complete it with a page
// due now) or a page (complete it as sent), each with the incident its
// claim brought. Alone, it is one incident's way through the store; with 64
// goroutines at once, the engine's workers and the webhooks sharing one
// store. A claim that finds nothing is counted: a timer made due now that
// a claim at once cannot see costs the engine a NextDue and a sleep.
func BenchmarkPagePath(b *testing.B) {
	b.Run("alone", func(b *testing.B) {
		s, _ := benchStore(b)
		var next, empty atomic.Int64
		b.ReportAllocs()
		for b.Loop() {
			if err := pagePath(s, int(next.Add(1)), &empty); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(empty.Load())/float64(b.N), "empty-claims/op")
	})
	b.Run("goroutines=64", func(b *testing.B) {
		s, _ := benchStore(b)
		var next, empty atomic.Int64
		b.SetParallelism(32) // 64 goroutines on 2 CPUs
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := pagePath(s, int(next.Add(1)), &empty); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		b.ReportMetric(float64(empty.Load())/float64(b.N), "empty-claims/op")
	})
}

// pagePath ingests new alert i and runs two timers, counting the claims
// that found nothing in empty.
func pagePath(s *Store, i int, empty *atomic.Int64) error {
	ctx := context.Background()
	if _, err := s.Ingest(ctx, time.Now(), benchAlerts(i, 1)); err != nil {
		return err
	}
	for ran := 0; ran < 2; {
		claims, err := s.ClaimDue(ctx, time.Now(), 10*time.Second, 1)
		if err != nil {
			return err
		}
		if len(claims) == 0 {
			empty.Add(1)
			continue
		}
		if err := runBenchTimer(ctx, s, claims[0]); err != nil {
			return err
		}
		ran++
	}
	return nil
}

// runBenchTimer runs a claimed escalation or page timer as the engine would
// for the bench roster's one person paged by SMS.
func runBenchTimer(ctx context.Context, s *Store, c engine.Claimed) error {
	t, inc := c.Timers[0], c.Incident
	if inc == nil {
		return fmt.Errorf("timer %s came without its incident", t.ID)
	}
	now := time.Now()
	if t.Kind == engine.TimerPage {
		return s.Complete(ctx, now, pageSent(t, now))
	}
	return s.Complete(ctx, now, pageAliceStep(t, inc, now))
}

// pageAliceStep is the completion of escalation timer esc of inc whose
// first step pages Alice by SMS now, with the next step in five minutes.
func pageAliceStep(esc engine.Timer, inc *engine.Incident, now time.Time) engine.Completion {
	key := engine.PageKey(inc.Key, inc.Gen, 0, 0, "alice", engine.ChannelSMS)
	return engine.Completion{Timer: esc, Fenced: true, Position: &engine.Position{Step: 1},
		Entries: []engine.Entry{{At: now, Kind: engine.EntryEscalated, Detail: "step 1 (round 1): paging Alice"}},
		Pages:   []engine.Page{{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PagePending, At: now}},
		Timers: []engine.Timer{
			{ID: key, Kind: engine.TimerPage, Incident: inc.Key, Gen: inc.Gen, Due: now, Person: "alice", Channel: engine.ChannelSMS},
			{ID: engine.EscalationTimerID(inc.Key), Kind: engine.TimerEscalate, Incident: inc.Key, Gen: inc.Gen,
				Due: now.Add(5 * time.Minute), Step: 1},
		}}
}

// pageSent is the completion of page timer t as accepted by the provider.
func pageSent(t engine.Timer, now time.Time) engine.Completion {
	return engine.Completion{Timer: t,
		Pages:   []engine.Page{{Key: t.ID, Person: t.Person, Channel: t.Channel, Status: engine.PageSent, ProviderID: "SM1", At: now}},
		Entries: []engine.Entry{{At: now, Kind: engine.EntryPage, Actor: t.Person, Detail: "sms to Alice accepted by the provider (SM1)"}}}
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
