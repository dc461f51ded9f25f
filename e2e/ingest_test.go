package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

func TestFiringAlertOpensIncidentAndPagesFirstStepAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		out := h.sendAlerts(firing("HighErrorRate", "fp1"))
		assert.EqualValues(t, 1, out["accepted"])

		h.tick() // no time passes on the fake clock
		h.phone(alicePhone).expectSMS("INC-1 P1 checkout: HighErrorRate api-gw 12% errors. Reply 1a ack, 1r resolve, 1e escalate")
		h.phone(bobPhone).expectNoSMS()
		h.phone(carolPhone).expectNoSMS()

		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateTriggered, inc.State)
		assert.Equal(t, engine.P1, inc.Priority)
		require.Len(t, inc.Pages, 1)
		assert.Equal(t, engine.PageSent, inc.Pages[0].Status)
		assert.Equal(t, start, inc.Pages[0].At.UTC(), "paged at the moment the webhook arrived")
	})
}

func TestRunningEngineWakesForANewIncident(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = h.srv.Engine().Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })

		h.sendAlerts(firing("HighErrorRate", "fp1"))
		wait, stop := context.WithTimeout(ctx, 30*time.Second)
		defer stop()
		msgs, err := h.twilio.WaitMessages(wait, alicePhone, 1)
		require.NoError(t, err, "the engine's loop did not page after the webhook")
		assert.Contains(t, msgs[0].Body, "INC-1 P1 checkout")
		assert.Equal(t, start, h.clock.Now(), "the page needed no fake time to pass")
	})
}

func TestRepeatedAlertChangesOnlyItsCount(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		// The same alert again, and once more from the other Alertmanager of an HA pair.
		h.advance(30 * time.Second)
		for range 2 {
			out := h.sendAlerts(firing("HighErrorRate", "fp1"))
			results := out["results"].([]any)
			assert.Equal(t, "duplicate", results[0].(map[string]any)["outcome"])
		}
		h.advance(time.Second)
		h.phone(alicePhone).expectNoSMS()
		assert.Len(t, h.incidents("all"), 1)
		inc := h.incident("INC-1")
		assert.Len(t, inc.Alerts, 1)
		assert.Len(t, inc.Timeline, 3, "opened, escalated, page: duplicates add nothing")
		h.expectMetric(`klaxon_alerts_deduplicated_total{source="alertmanager"} 2`)
	})
}

func TestNewAlertOfTheSameGroupJoinsTheOpenIncident(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1", "instance", "a"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		h.sendAlerts(firing("HighErrorRate", "fp2", "instance", "b"))
		h.tick()
		h.phone(alicePhone).expectNoSMS()
		inc := h.incident("INC-1")
		assert.Equal(t, []string{"alertmanager/fp1", "alertmanager/fp2"}, inc.Alerts)
		assert.Equal(t, engine.EntryAlertJoined, inc.Timeline[len(inc.Timeline)-1].Kind)

		// Another alertname is another group: a new incident.
		h.sendAlerts(firing("DiskFull", "fp3"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-2 P1 checkout: DiskFull")
	})
}

func TestIncidentResolvesWhenAllItsAlertsResolve(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		a, b := firing("HighErrorRate", "fp1", "instance", "a"), firing("HighErrorRate", "fp2", "instance", "b")
		h.sendAlerts(a, b)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")

		h.sendAlerts(resolved(a))
		h.tick()
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State, "one alert still fires")
		h.phone(alicePhone).expectNoSMS()

		h.advance(9 * time.Minute)
		h.sendAlerts(resolved(b))
		h.tick()
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateResolved, inc.State)
		notice := "RESOLVED INC-1 checkout: HighErrorRate api-gw 12% errors (by alertmanager, 14m)"
		assert.Equal(t, notice, h.phone(alicePhone).expectSMS(notice))
		h.phone(carolPhone).expectSMS(notice)
		h.phone(bobPhone).expectNoSMS()

		// Escalation has stopped: nothing more, however long we wait.
		h.advance(time.Hour)
		h.phone(alicePhone).expectNoSMS()
		h.phone(carolPhone).expectNoSMS()
	})
}

func TestAlertFiringAgainAfterItsIncidentResolvedOpensANewOne(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		a := firing("HighErrorRate", "fp1")
		h.sendAlerts(a)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.advance(time.Minute)
		h.sendAlerts(resolved(a))
		h.tick()
		h.phone(alicePhone).expectSMS("RESOLVED INC-1")

		h.advance(time.Minute)
		h.sendAlerts(a)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-2 P1 checkout: HighErrorRate")
		assert.Equal(t, engine.StateResolved, h.incident("INC-1").State)
		assert.Equal(t, engine.StateTriggered, h.incident("INC-2").State)
	})
}

func TestBadWebhooksGetAJSONErrorAndChangeNothing(t *testing.T) {
	valid := webhook(firing("HighErrorRate", "fp1"))
	noLabels := webhook(amAlert{Status: "firing", Fingerprint: "x"})
	cases := []struct {
		name   string
		token  string
		body   []byte
		status int
		error  string
	}{
		{"malformed JSON", amToken, []byte(`{"version":"4","alerts":[`), http.StatusBadRequest, "JSON"},
		{"not an object", amToken, []byte(`[1,2]`), http.StatusBadRequest, "Alertmanager webhook"},
		{"wrong payload version", amToken, bytes.Replace(valid, []byte(`"version":"4"`), []byte(`"version":"3"`), 1), http.StatusBadRequest, "version"},
		{"every alert invalid", amToken, noLabels, http.StatusBadRequest, "rejected"},
		{"wrong token", "not-the-token", valid, http.StatusUnauthorized, "token"},
		{"api token is not an integration token", apiToken, valid, http.StatusUnauthorized, "token"},
		{"no token", "", valid, http.StatusUnauthorized, "Authorization"},
		{"oversized body", amToken, append(valid[:len(valid)-1], []byte(`,"pad":"`+strings.Repeat("x", 2<<20)+`"}`)...), http.StatusRequestEntityTooLarge, "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			onEachStore(t, func(t *testing.T, h *harness) {
				status, out := h.post("/v1/alerts/alertmanager", c.token, c.body)
				assert.Equal(t, c.status, status)
				require.Contains(t, out, "error")
				assert.Contains(t, out["error"], c.error)
				h.tick()
				assert.Empty(t, h.incidents("all"))
				assert.Empty(t, h.twilio.Messages())
			})
		})
	}
}

func TestBatchWithSomeInvalidAlertsKeepsTheValidOnes(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		body := webhook(firing("HighErrorRate", "fp1"), amAlert{Status: "burning", Labels: map[string]string{"alertname": "X"}})
		status, out := h.post("/v1/alerts/alertmanager", amToken, body)
		require.Equal(t, http.StatusOK, status)
		assert.EqualValues(t, 1, out["accepted"])
		rejected := out["rejected"].([]any)
		require.Len(t, rejected, 1)
		assert.EqualValues(t, 1, rejected[0].(map[string]any)["index"])
		assert.Contains(t, rejected[0].(map[string]any)["reason"], "status")
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
	})
}

// expectMetric requires a line of /metrics to be exactly line.
func (h *harness) expectMetric(line string) {
	h.t.Helper()
	resp, err := http.Get(h.http.URL + "/metrics")
	require.NoError(h.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	name, _, _ := strings.Cut(line, "{")
	var seen []string
	for _, l := range strings.Split(string(body), "\n") {
		if l == line {
			return
		}
		if strings.HasPrefix(l, name) {
			seen = append(seen, l)
		}
	}
	h.t.Fatalf("/metrics has no line %q; lines of %s: %q", line, name, seen)
}

func TestOperatorAPINeedsAnAPIToken(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		for _, token := range []string{"", amToken, "wrong"} {
			for _, path := range []string{"/v1/incidents", "/v1/incidents/INC-1"} {
				req, err := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
				require.NoError(t, err)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				status, out := h.do(req)
				assert.Equal(t, http.StatusUnauthorized, status, "%s with token %q", path, token)
				assert.Contains(t, out["error"], "api token")
			}
		}
		req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/incidents/INC-9", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		status, out := h.do(req)
		assert.Equal(t, http.StatusNotFound, status)
		assert.Contains(t, out["error"], "INC-9")
	})
}

func TestHealthAndReadiness(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(h.http.URL + path)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		}
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.expectMetric(`klaxon_alerts_received_total{source="alertmanager"} 1`)
		h.expectMetric(`klaxon_incidents_opened_total{priority="P1"} 1`)
		h.expectMetric(`klaxon_pages_total{channel="sms",result="sent"} 1`)
	})
}
