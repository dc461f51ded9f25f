package redisstore

import (
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestURLForms(t *testing.T) {
	tests := []struct {
		name, url string
		want      any // the client's type
	}{
		{"single node", "redis://127.0.0.1:6379/0", &redis.Client{}},
		{"single node over TLS", "rediss://user:secret@redis.example.com:6380", &redis.Client{}},
		{"sentinel", "redis+sentinel://127.0.0.1:26379?master_name=mymaster&addr=127.0.0.2:26379", &redis.Client{}},
		{"sentinel routing reads", "redis+sentinel://127.0.0.1:26379?master_name=m&route_randomly=true", &redis.ClusterClient{}},
		{"cluster", "redis+cluster://127.0.0.1:7000?addr=127.0.0.1:7001", &redis.ClusterClient{}},
		{"cluster over TLS", "rediss+cluster://127.0.0.1:7000", &redis.ClusterClient{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newClient(tt.url)
			require.NoError(t, err)
			defer c.Close()
			assert.IsType(t, tt.want, c)
		})
	}
}

func TestPoolSizeCoversTheEngineUnlessTheURLSetsIt(t *testing.T) {
	tests := []struct {
		name, url string
		want      int
	}{
		{"single node", "redis://127.0.0.1:6379", minPoolSize},
		{"single node with pool_size", "redis://127.0.0.1:6379?pool_size=7", 7},
		{"sentinel", "redis+sentinel://127.0.0.1:26379?master_name=m", minPoolSize},
		{"sentinel with pool_size", "redis+sentinel://127.0.0.1:26379?master_name=m&pool_size=7", 7},
		{"cluster", "redis+cluster://127.0.0.1:7000", minPoolSize},
		{"cluster with pool_size", "redis+cluster://127.0.0.1:7000?pool_size=7", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newClient(tt.url)
			require.NoError(t, err)
			defer c.Close()
			var got int
			switch c := c.(type) {
			case *redis.Client:
				got = c.Options().PoolSize
			case *redis.ClusterClient:
				got = c.Options().PoolSize
			}
			if tt.want == minPoolSize {
				assert.GreaterOrEqual(t, got, minPoolSize)
			} else {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestBadURLs(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"no scheme", "127.0.0.1:6379", "has no scheme"},
		{"unknown scheme", "http://127.0.0.1", `scheme "http"`},
		{"unknown mode", "redis+ring://127.0.0.1", `scheme "redis+ring"`},
		{"sentinel without master", "redis+sentinel://127.0.0.1:26379", "master_name is missing"},
		{"unknown option", "redis://127.0.0.1:6379?colour=blue", "colour"},
		{"password is hidden", "redis://u:hunter2@127.0.0.1:6379?colour=blue", "u:xxxxx@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(tt.url)
			require.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestScoresNeverRunEarly(t *testing.T) {
	at := mustTime(t, "2026-11-22T12:00:00.0015003Z")
	assert.Equal(t, float64(at.UnixMicro()+1)/1000, dueScore(at), "a due time rounds up to the microsecond")
	assert.Equal(t, float64(at.UnixMicro())/1000, dueBound(at), "now rounds down")
	assert.Less(t, dueBound(at), dueScore(at), "not due in its own microsecond")
	assert.Equal(t, dueScore(at), dueBound(at.Add(700*time.Nanosecond)), "due from the next microsecond on")
	whole := mustTime(t, "2026-11-22T12:00:00.0015Z")
	assert.Equal(t, dueScore(whole), dueBound(whole), "a whole microsecond is due at once")
}

func TestScoresKeepEveryMicrosecond(t *testing.T) {
	for _, s := range []string{"2026-11-22T12:00:00Z", "2039-09-07T15:47:35.551Z", "2109-05-15T07:35:11.103Z", "2248-01-01T00:00:00Z"} {
		base := mustTime(t, s)
		prev := dueScore(base.Add(-time.Microsecond))
		for i := range 2000 {
			at := base.Add(time.Duration(i) * time.Microsecond)
			score := dueScore(at)
			require.Greater(t, score, prev, "%s is after the microsecond before", at)
			prev = score
			back, err := scoreTime(strconv.FormatFloat(score, 'g', 17, 64))
			require.NoError(t, err)
			require.Equal(t, at, back, "the score as Redis writes it reads back as the time")
		}
	}
	legacy, err := scoreTime("1795379698123")
	require.NoError(t, err)
	assert.Equal(t, time.UnixMilli(1795379698123).UTC(), legacy, "whole milliseconds, as earlier versions wrote them")
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := parseTime(s)
	require.NoError(t, err)
	return tm
}
