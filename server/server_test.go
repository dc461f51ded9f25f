package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/rosters"
)

// syncBuffer is a log sink safe for the server's goroutines; it signals
// every write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.written <- struct{}{}:
	default:
	}
	return s.b.Write(p)
}

// waitFor waits until the log contains want.
func (s *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for !strings.Contains(s.String(), want) {
		select {
		case <-s.written:
		case <-timeout:
			t.Fatalf("the log never showed %q:\n%s", want, s.String())
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The examples run as they are: with no twilio section, pages go to the log.
func TestExampleConfigPagesToTheLog(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"klaxon.yaml", "rosters/payments.yaml", "rosters/sre.yaml"} {
		data, err := os.ReadFile(filepath.Join("../examples", name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	cfg, err := config.Load(filepath.Join(dir, "klaxon.yaml"))
	require.NoError(t, err)
	rs, err := rosters.LoadDir(cfg.Rosters)
	require.NoError(t, err)
	logs := &syncBuffer{written: make(chan struct{}, 1)}
	clock := enginetest.NewClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
	srv, err := New(cfg, rs, Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	defer srv.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()

	body := `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","severity":"critical"},"annotations":{"summary":"api-gw 12% errors"}}]}`
	req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/v1/alerts/alertmanager", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer example-alertmanager-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The running engine pages without the clock moving.
	logs.waitFor(t, "INC-1 P1 checkout: HighErrorRate api-gw 12% errors. Reply 1a ack")
	cancel()
	require.NoError(t, <-done)
	inc, err := srv.Engine().Store().Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	assert.Equal(t, engine.StateTriggered, inc.State)
	assert.NotEmpty(t, inc.Pages)
}
