package redistest_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var ctx = context.Background()

func client(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(srv.URL())
	require.NoError(t, err)
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestWritesSurviveAKillWithAOF(t *testing.T) {
	srv := redistest.Start(t)
	c := client(t, srv)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	srv.Kill()
	require.Error(t, c.Ping(ctx).Err(), "a killed server answers nothing")
	srv.Start()
	v, err := c.Get(ctx, "k").Result()
	require.NoError(t, err)
	assert.Equal(t, "v", v)
}

func TestWithoutAOFARestartIsEmpty(t *testing.T) {
	srv := redistest.Start(t, redistest.WithoutAOF())
	c := client(t, srv)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	srv.Stop()
	srv.Start()
	assert.ErrorIs(t, c.Get(ctx, "k").Err(), redis.Nil)
}

func TestFlushAllEmptiesTheSharedServer(t *testing.T) {
	srv := redistest.Shared(t)
	c := client(t, srv)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	srv.FlushAll()
	n, err := c.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, srv.Addr(), redistest.Shared(t).Addr(), "one server per package")
}

func TestClusterServesEverySlot(t *testing.T) {
	srv := redistest.Start(t, redistest.Cluster(), redistest.WithoutAOF())
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}})
	t.Cleanup(func() { c.Close() })
	for _, k := range []string{"a", "b", "{x}c"} {
		require.NoError(t, c.Set(ctx, k, "v", 0).Err())
	}
}
