package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/httpapi"
	"github.com/klaxonhq/klaxon/rosters"
)

// slowStore holds every ingest until released, as a store that cannot keep
// up would.
type slowStore struct {
	engine.Store
	entered chan struct{}
	release chan struct{}
}

func (s *slowStore) Ingest(ctx context.Context, now time.Time, alerts []engine.Classified) ([]engine.IngestResult, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Store.Ingest(ctx, now, alerts)
}

func TestAFloodOfWebhooksOnASlowStoreIsPushedBack(t *testing.T) {
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	defer store.Close()
	slow := &slowStore{Store: store, entered: make(chan struct{}, 100), release: make(chan struct{})}
	rs, err := rosters.Parse(map[string][]byte{"t.yaml": []byte("team: t\npeople:\n  - {id: a, phone: \"+15550000001\"}\n")})
	require.NoError(t, err)
	eng, err := engine.New(engine.Options{Store: slow, Clock: enginetest.NewClock(time.Now()), Rosters: rs,
		Classifier: &engine.Classifier{Default: engine.P1, ServiceLabel: "service"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Engine: eng, Registerer: reg, Gatherer: reg,
		Integrations: []httpapi.Integration{{Name: "am", Type: "alertmanager", Token: "tok"}},
		MaxIngests:   2, IngestWait: 10 * time.Millisecond}))
	defer srv.Close()

	const senders = 12
	statuses := make(chan *http.Response, senders)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/alerts/alertmanager",
				strings.NewReader(`{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"A"}}]}`))
			req.Header.Set("Authorization", "Bearer tok")
			resp, err := http.DefaultClient.Do(req)
			if assert.NoError(t, err) {
				resp.Body.Close()
				statuses <- resp
			}
		})
	}
	// Two webhooks reach the store and wait there; every other one is
	// turned away rather than queued.
	<-slow.entered
	<-slow.entered
	var refused []*http.Response
	for range senders - 2 {
		refused = append(refused, <-statuses)
	}
	close(slow.release)
	wg.Wait()
	close(statuses)
	for _, resp := range refused {
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	}
	for resp := range statuses {
		assert.Equal(t, http.StatusOK, resp.StatusCode, "the two admitted webhooks are stored")
	}
	assert.Len(t, slow.entered, 0, "no third ingest reached the store while two were in it")
}
