package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/redistest"
	"github.com/klaxonhq/klaxon/server"
)

// replica is a second Klaxon process sharing a harness's Redis, clock and
// fake Twilio.
type replica struct {
	srv  *server.Server
	http *httptest.Server
}

func (h *harness) addReplica() *replica {
	h.t.Helper()
	require.Equal(h.t, "redis", h.kind, "replicas share a Redis store")
	cfg, rs, err := server.Load(filepath.Join(h.dir, "klaxon.yaml"))
	require.NoError(h.t, err)
	srv, err := server.New(cfg, rs, server.Options{Clock: h.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(h.t, err)
	r := &replica{srv: srv, http: httptest.NewServer(srv.Handler())}
	h.t.Cleanup(func() { r.http.Close(); srv.Close() })
	return r
}

// postTo sends an Alertmanager webhook to one replica.
func postTo(t *testing.T, url string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/alerts/alertmanager", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+amToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// runBoth runs the due timers of several engines at once, until none has
// anything left to do.
func runBoth(t *testing.T, engines ...*engine.Engine) {
	t.Helper()
	for {
		var wg sync.WaitGroup
		ran := make([]int, len(engines))
		for i, e := range engines {
			wg.Go(func() {
				n, err := e.RunDue(context.Background())
				assert.NoError(t, err)
				ran[i] = n
			})
		}
		wg.Wait()
		if ran[0]+ran[1] == 0 {
			return
		}
	}
}

func TestTwoReplicasOnOneRedisPageEachIncidentOnce(t *testing.T) {
	h := newHarness(t, "redis")
	b := h.addReplica()
	const incidents = 200
	var wg sync.WaitGroup
	for i := range incidents {
		body := webhook(firing(fmt.Sprintf("Alert%03d", i), fmt.Sprintf("fp%03d", i)))
		// The HA pair: the same alert reaches both replicas, twice each.
		for _, url := range []string{h.http.URL, b.http.URL, h.http.URL, b.http.URL} {
			wg.Go(func() { assert.Equal(t, http.StatusOK, postTo(t, url, body)) })
		}
	}
	wg.Wait()
	runBoth(t, h.srv.Engine(), b.srv.Engine())

	list, err := h.srv.Engine().Store().Incidents(context.Background(), engine.IncidentFilter{})
	require.NoError(t, err)
	assert.Equal(t, incidents, len(list))
	perIncident := map[string]int{}
	key := regexp.MustCompile(`^INC-\d+ `)
	for _, m := range h.twilio.MessagesTo(alicePhone) {
		perIncident[key.FindString(m.Body)]++
	}
	assert.Equal(t, incidents, len(perIncident), "every incident paged")
	for k, n := range perIncident {
		assert.Equal(t, 1, n, "%s paged %d times", k, n)
	}
}

func TestTimersOfADeadReplicaAreTakenOverAfterTheLease(t *testing.T) {
	h := newHarness(t, "redis")
	b := h.addReplica()
	for i := range 5 {
		h.sendAlerts(firing(fmt.Sprintf("Alert%d", i), fmt.Sprintf("fp%d", i)))
	}
	// Replica A claims the escalations and dies before running them.
	claimed, err := h.srv.Engine().Store().ClaimDue(context.Background(), h.clock.Now(), 10*time.Second, 100)
	require.NoError(t, err)
	require.Len(t, engine.TimersOf(claimed), 5)
	h.stop()

	runBoth(t, b.srv.Engine(), b.srv.Engine())
	assert.Empty(t, h.twilio.Messages(), "held by the dead replica's lease")
	h.clock.Advance(10 * time.Second)
	runBoth(t, b.srv.Engine(), b.srv.Engine())
	assert.Len(t, h.twilio.MessagesTo(alicePhone), 5, "taken over once the lease ended")
	h.clock.Advance(time.Minute)
	runBoth(t, b.srv.Engine(), b.srv.Engine())
	assert.Len(t, h.twilio.MessagesTo(alicePhone), 5, "and run once")
}

func TestRedisOutageAnswers503AndRecovers(t *testing.T) {
	rds := redistest.Start(t)
	h := newHarnessWith(t, "redis", configYAML+redisSection(rds.URL()))
	h.sendAlerts(firing("HighErrorRate", "fp1"))
	h.tick()
	h.phone(alicePhone).expectSMS("INC-1")
	assert.Equal(t, "INC-1 acknowledged by Alice Chen", h.phone(alicePhone).reply("1a"))

	rds.Kill()
	status, out := h.post("/v1/alerts/alertmanager", amToken, webhook(firing("DiskFull", "fp2")))
	assert.Equal(t, http.StatusServiceUnavailable, status, "Alertmanager retries a 503")
	assert.Contains(t, out["error"], "retry")
	resp, err := http.Get(h.http.URL + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	rds.Start()
	require.Eventually(t, func() bool {
		resp, err := http.Get(h.http.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "ready again once Redis is back, with no restart")
	inc := h.incident("INC-1")
	assert.Equal(t, engine.StateAcknowledged, inc.State, "the acknowledgement survived the crash")
	h.sendAlerts(firing("DiskFull", "fp2"))
	h.tick()
	h.phone(alicePhone).expectSMS("INC-2")
}
