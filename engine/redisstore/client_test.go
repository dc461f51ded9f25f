package redisstore

import (
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
	at := mustTime(t, "2026-11-22T12:00:00.0015Z")
	assert.Equal(t, at.UnixMilli()+1, dueScore(at), "a due time rounds up")
	assert.Equal(t, at.UnixMilli(), nowScore(at), "now rounds down")
	whole := mustTime(t, "2026-11-22T12:00:00Z")
	assert.Equal(t, whole.UnixMilli(), dueScore(whole))
}

func mustTime(t *testing.T, s string) (tm time.Time) {
	t.Helper()
	tm, err := parseTime(s)
	require.NoError(t, err)
	return tm
}
