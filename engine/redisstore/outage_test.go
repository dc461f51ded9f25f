package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/internal/redistest"
)

// TestOutage: while Redis is down every call fails at once with
// ErrUnavailable; when it is back, the same Store works again, and what it
// acknowledged before the crash is there.
func TestOutage(t *testing.T) {
	srv := redistest.Start(t)
	// Short timeouts and no retries, so that failures show at once.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	s, err := redisstore.Open(ctx, redisstore.Options{Client: rdb})
	require.NoError(t, err)
	openIncidents(t, s, 1)

	srv.Kill()
	calls := map[string]func() error{
		"ping":   func() error { return s.Ping(ctx) },
		"ingest": func() error { _, err := s.Ingest(ctx, t0, nil); return err },
		"ack": func() error {
			_, err := s.Acknowledge(ctx, t0, "INC-1", engine.Actor{ID: "alice"}, 0)
			return err
		},
		"resolve":    func() error { _, err := s.Resolve(ctx, t0, "INC-1", engine.Actor{ID: "alice"}); return err },
		"claim":      func() error { _, err := s.ClaimDue(ctx, t0, time.Second, 10); return err },
		"next due":   func() error { _, _, err := s.NextDue(ctx); return err },
		"complete":   func() error { return s.Complete(ctx, t0, engine.Completion{Timer: engine.Timer{ID: "esc/INC-1"}}) },
		"incident":   func() error { _, err := s.Incident(ctx, "INC-1"); return err },
		"incidents":  func() error { _, err := s.Incidents(ctx, engine.IncidentFilter{}); return err },
		"last paged": func() error { _, err := s.LastPaged(ctx, "alice"); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		assert.True(t, errors.Is(err, engine.ErrUnavailable), "%s: %v", name, err)
		assert.Less(t, time.Since(start), 2*time.Second, "%s fails promptly", name)
	}

	srv.Start()
	// The client redials on its own, within a second once its pool has
	// seen many failed dials.
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond,
		"the same store works again")
	inc, err := s.Acknowledge(ctx, t0, "INC-1", engine.Actor{ID: "alice"}, 0)
	require.NoError(t, err, "the incident opened before the crash is back")
	assert.Equal(t, engine.StateAcknowledged, inc.State)
}

func TestOpenNeedsRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.WithoutAOF())
	srv.Stop()
	_, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL() + "?dial_timeout=200ms&max_retries=-1"})
	require.ErrorIs(t, err, engine.ErrUnavailable)
}
