package redisstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
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

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the outage tests make many.
	redis.SetLogger(quiet{})
	redistest.Main(m)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var ctx = context.Background()

// deployments numbers the key prefixes of tests sharing one server.
var deployments atomic.Int64

// newPrefix names a deployment of its own for one test.
func newPrefix() string { return fmt.Sprintf("test%d", deployments.Add(1)) }

// open opens a store on url for the test, closed when it ends.
func open(t testing.TB, url string, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	opts.URL = url
	s, err := redisstore.Open(ctx, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// deployment is a store with what it takes to open it again.
type deployment struct {
	*redisstore.Store
	srv    *redistest.Server
	prefix string
}

func TestConformance(t *testing.T) {
	srv := redistest.Shared(t)
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) engine.Store {
			prefix := newPrefix()
			return &deployment{Store: open(t, srv.URL(), redisstore.Options{Prefix: prefix}), srv: srv, prefix: prefix}
		},
		Reopen: func(t *testing.T, s engine.Store) engine.Store {
			d := s.(*deployment)
			require.NoError(t, d.Close())
			return open(t, srv.URL(), redisstore.Options{Prefix: d.prefix})
		},
	})
}

// TestConformanceAcrossRedisCrash reopens the store after killing Redis
// (SIGKILL) and starting it again: with appendfsync always, everything the
// store answered for is back.
func TestConformanceAcrossRedisCrash(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) engine.Store {
			srv := redistest.Start(t)
			return &deployment{Store: open(t, srv.URL(), redisstore.Options{}), srv: srv}
		},
		Reopen: func(t *testing.T, s engine.Store) engine.Store {
			d := s.(*deployment)
			require.NoError(t, d.Close())
			d.srv.Kill()
			d.srv.Start()
			return open(t, d.srv.URL(), redisstore.Options{})
		},
	})
}

// TestConformanceOnCluster runs the suite on a one-node Redis Cluster
// through a cluster client: Redis Cluster checks that each script touches
// one slot.
func TestConformanceOnCluster(t *testing.T) {
	srv := redistest.Start(t, redistest.Cluster(), redistest.WithoutAOF())
	url := "redis+cluster://" + srv.Addr()
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) engine.Store {
			prefix := newPrefix()
			return &deployment{Store: open(t, url, redisstore.Options{Prefix: prefix}), srv: srv, prefix: prefix}
		},
		Reopen: func(t *testing.T, s engine.Store) engine.Store {
			d := s.(*deployment)
			require.NoError(t, d.Close())
			return open(t, url, redisstore.Options{Prefix: d.prefix})
		},
	})
}

// A first-step plan that names anything but the stand-in incident (a page
// or timer keyed by another incident) is refused before the script runs:
// the ingest fails with the key named, and nothing is stored.
func TestAFirstStepOfAnotherIncidentIsRefused(t *testing.T) {
	s := open(t, redistest.Shared(t).URL(), redisstore.Options{Prefix: newPrefix()})
	other := engine.PageKey("INC-9", 1, 0, 0, "alice", engine.ChannelSMS)
	plan := func(inc *engine.Incident, esc engine.Timer) engine.Completion {
		return engine.Completion{Timer: esc, Pages: []engine.Page{{Key: other, Person: "alice", Status: engine.PagePending}}}
	}
	_, err := s.IngestAndEscalate(ctx, storetest.T0, []engine.Classified{firing("fp1")},
		engine.FirstStep{Plan: plan, Lease: time.Second, Hand: func(engine.Claimed, engine.Completion) { t.Error("handed over") }})
	require.ErrorContains(t, err, other)
	incidents, err := s.Incidents(ctx, engine.IncidentFilter{})
	require.NoError(t, err)
	assert.Empty(t, incidents)
	_, err = s.Alert(ctx, "am/fp1")
	require.ErrorIs(t, err, engine.ErrNotFound)
}

// An incident whose alert IDs outgrow their first array gets an index of
// them while it is open; its resolution, or its purge, removes it.
func TestAResolvedIncidentLetsItsAlertIndexGo(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	s := open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	index := "{" + prefix + "}:alert-index:INC-1"
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	alert := func(i int, status engine.AlertStatus) engine.Classified {
		return engine.Classified{Alert: engine.Alert{Source: "alertmanager", Fingerprint: fmt.Sprintf("storm-%04d", i),
			Status: status, Summary: "InstanceDown"}, Priority: engine.P1, Service: "s", GroupKey: "storm"}
	}
	for i := range 200 {
		_, err := s.Ingest(ctx, t0, []engine.Classified{alert(i, engine.AlertFiring)})
		require.NoError(t, err)
	}
	n, err := rdb.HLen(ctx, index).Result()
	require.NoError(t, err)
	require.Equal(t, int64(200), n, "every ID indexed once the first array is full")

	_, err = s.Resolve(ctx, t0, "INC-1", engine.Actor{ID: "alice", Name: "Alice"})
	require.NoError(t, err)
	exists, err := rdb.Exists(ctx, index).Result()
	require.NoError(t, err)
	assert.Zero(t, exists, "the index outlived its open incident")
	purged, err := s.Purge(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, purged)
}

// A deployment marked with a later layout than this version's is refused,
// naming both, and left as it was; any other is marked with this one's.
func TestOpenRefusesALaterLayout(t *testing.T) {
	srv := redistest.Shared(t)
	prefix := newPrefix()
	open(t, srv.URL(), redisstore.Options{Prefix: prefix})
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rdb.Close() })
	meta := "{" + prefix + "}:meta"
	assert.Equal(t, "2", rdb.HGet(ctx, meta, "layout").Val(), "a deployment opened is marked")

	require.NoError(t, rdb.HSet(ctx, meta, "layout", "3").Err())
	_, err := redisstore.Open(ctx, redisstore.Options{URL: srv.URL(), Prefix: prefix})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "layout 3, written by a later Klaxon")
	assert.Equal(t, "3", rdb.HGet(ctx, meta, "layout").Val(), "the refused deployment is left as it was")
}
