package redistest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// client opens a connection to the server for one command: no retries, so
// that a server still starting is seen at once.
func (s *Server) client() *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: s.Addr(), MaxRetries: -1, PoolSize: 1,
		DialTimeout: time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
	})
}

// do runs one command and reports its error.
func (s *Server) do(ctx context.Context, args ...any) error {
	c := s.client()
	defer c.Close()
	return c.Do(ctx, args...).Err()
}

// clusterReady gives the one-node cluster every slot (once; on a restart
// nodes.conf has them) and reports whether the cluster state is ok.
func (s *Server) clusterReady(ctx context.Context) error {
	c := s.client()
	defer c.Close()
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return err
	}
	if strings.Contains(info, "cluster_slots_assigned:0\r\n") {
		if err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
			return fmt.Errorf("assign slots: %w", err)
		}
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return errors.New("cluster state is not ok yet")
	}
	return nil
}

// Info returns the integer field of an INFO section of the server, failing
// tb when it has none.
func (s *Server) Info(tb testing.TB, section, field string) int64 {
	tb.Helper()
	c := s.client()
	defer c.Close()
	info, err := c.Info(context.Background(), section).Result()
	if err != nil {
		tb.Fatalf("INFO %s: %v", section, err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatalf("INFO %s: %s: %v", section, field, err)
			}
			return n
		}
	}
	tb.Fatalf("INFO %s has no %s", section, field)
	return 0
}
