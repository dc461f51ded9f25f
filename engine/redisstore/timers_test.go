package redisstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/engine/storetest"
	"github.com/klaxonhq/klaxon/internal/redistest"
)

var t0 = storetest.T0

// openIncidents opens n incidents at t0, each with its escalation due then.
func openIncidents(t *testing.T, s *redisstore.Store, n int) {
	t.Helper()
	batch := make([]engine.Classified, n)
	for i := range batch {
		batch[i] = engine.Classified{
			Alert:    engine.Alert{Source: "am", Fingerprint: fmt.Sprint("fp", i), Status: engine.AlertFiring, Summary: "x"},
			Priority: engine.P1, Service: "checkout", GroupKey: fmt.Sprint("g", i),
		}
	}
	_, err := s.Ingest(ctx, t0, batch)
	require.NoError(t, err)
}

// shardSizes counts the timers in each due shard of a deployment.
func shardSizes(t *testing.T, srv *redistest.Server, prefix string, shards int) []int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	sizes := make([]int64, shards)
	for i := range sizes {
		n, err := c.ZCard(ctx, fmt.Sprintf("{%s}:due:%d", prefix, i)).Result()
		require.NoError(t, err)
		sizes[i] = n
	}
	return sizes
}

func TestClaimVisitsEveryShardAndRespectsMax(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	s := open(t, srv.URL(), redisstore.Options{Prefix: prefix, TimerShards: 4})
	openIncidents(t, s, 40)
	for i, n := range shardSizes(t, srv, prefix, 4) {
		assert.Positive(t, n, "shard %d holds timers", i)
	}

	claimed := map[string]bool{}
	for range 4 {
		claims, err := s.ClaimDue(ctx, t0, 10*time.Second, 15)
		require.NoError(t, err)
		timers := engine.TimersOf(claims)
		assert.LessOrEqual(t, len(timers), 15)
		for _, tm := range timers {
			assert.False(t, claimed[tm.ID], "%s claimed twice", tm.ID)
			claimed[tm.ID] = true
		}
	}
	assert.Len(t, claimed, 40, "every due timer, from every shard")
	next, ok, err := s.NextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(10*time.Second), next, "the earliest lease end over all shards")
}

func TestConcurrentClaimsNeverShareATimer(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	stores := make([]*redisstore.Store, 3)
	for i := range stores {
		stores[i] = open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	}
	openIncidents(t, stores[0], 300)

	var mu sync.Mutex
	claims := map[string]int{}
	var wg sync.WaitGroup
	for i := range 6 {
		s := stores[i%len(stores)]
		wg.Go(func() {
			for {
				got, err := s.ClaimDue(ctx, t0, time.Minute, 7)
				if !assert.NoError(t, err) || len(got) == 0 {
					return
				}
				mu.Lock()
				for _, tm := range engine.TimersOf(got) {
					claims[tm.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, claims, 300)
	for id, n := range claims {
		assert.Equal(t, 1, n, "%s claimed %d times", id, n)
	}
}

func TestExpiredLeaseIsTakenOverByAnotherStore(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	a := open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	b := open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	openIncidents(t, a, 1)
	claims, err := a.ClaimDue(ctx, t0, 10*time.Second, 10)
	require.NoError(t, err)
	held := engine.TimersOf(claims)
	require.Len(t, held, 1)

	// a stops without completing; b finds the timer once the lease ends.
	none, err := b.ClaimDue(ctx, t0.Add(10*time.Second-time.Millisecond), 10*time.Second, 10)
	require.NoError(t, err)
	assert.Empty(t, none, "held until the lease ends")
	claims, err = b.ClaimDue(ctx, t0.Add(10*time.Second), 10*time.Second, 10)
	require.NoError(t, err)
	taken := engine.TimersOf(claims)
	require.Len(t, taken, 1)
	assert.Equal(t, 2, taken[0].Claims)

	late := engine.Completion{Timer: held[0], Fenced: true, Position: &engine.Position{Step: 1}}
	require.ErrorIs(t, a.Complete(ctx, t0.Add(11*time.Second), late), engine.ErrStale, "a's lease is lost")
	done := engine.Completion{Timer: taken[0], Fenced: true, Position: &engine.Position{Step: 1}}
	require.NoError(t, b.Complete(ctx, t0.Add(11*time.Second), done))
	inc, err := b.Incident(ctx, "INC-1")
	require.NoError(t, err)
	assert.Equal(t, 1, inc.Step)
}

func TestSubMicrosecondTimesAreNeverEarly(t *testing.T) {
	srv := redistest.Shared(t)
	s := open(t, srv.URL(), redisstore.Options{Prefix: newPrefix()})
	at := t0.Add(1500*time.Microsecond + 300*time.Nanosecond)
	_, err := s.Ingest(ctx, at, []engine.Classified{{Alert: engine.Alert{Source: "am", Fingerprint: "fp", Status: engine.AlertFiring},
		Priority: engine.P1, GroupKey: "g"}})
	require.NoError(t, err)
	next, ok, err := s.NextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(1501*time.Microsecond), next, "rounded up to the microsecond")
	early, err := s.ClaimDue(ctx, at, time.Second, 10)
	require.NoError(t, err)
	assert.Empty(t, early)
	claims, err := s.ClaimDue(ctx, next, time.Second, 10)
	require.NoError(t, err)
	due := engine.TimersOf(claims)
	require.Len(t, due, 1)
	assert.Equal(t, at, due[0].Due.UTC(), "the timer keeps its exact time")
}

func TestTimerMadeDueNowIsClaimableInTheSameMillisecond(t *testing.T) {
	srv := redistest.Shared(t)
	s := open(t, srv.URL(), redisstore.Options{Prefix: newPrefix()})
	at := t0.Add(100 * time.Microsecond)
	_, err := s.Ingest(ctx, at, []engine.Classified{{Alert: engine.Alert{Source: "am", Fingerprint: "fp", Status: engine.AlertFiring},
		Priority: engine.P1, GroupKey: "g"}})
	require.NoError(t, err)
	due, err := s.ClaimDue(ctx, at.Add(200*time.Microsecond), time.Second, 10)
	require.NoError(t, err)
	assert.Len(t, due, 1, "due 0.2 ms ago, in the same millisecond")
}

func TestTimerShardsAreFixedPerDeployment(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	open(t, srv.URL(), redisstore.Options{Prefix: prefix, TimerShards: 4})
	open(t, srv.URL(), redisstore.Options{Prefix: prefix}) // takes the deployment's
	_, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(), Prefix: prefix, TimerShards: 8})
	require.ErrorContains(t, err, "timer shards 8 differ from the 4")
}
