package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/receivers"
)

// datadogBody fills Klaxon's documented Datadog template.
func datadogBody(t *testing.T, id, cycle, transition string) []byte {
	t.Helper()
	body := receivers.DatadogTemplate
	for k, v := range map[string]string{
		"$ID": id, "$ALERT_CYCLE_KEY": cycle, "$AGGREG_KEY": "agg-1", "$ALERT_ID": "1234",
		"$ALERT_TRANSITION": transition, "$ALERT_TYPE": "error", "$ALERT_PRIORITY": "P1",
		"$EVENT_TITLE": "[" + transition + "] High error rate on api-gw", "$EVENT_MSG": "12% errors",
		"$TAGS": "env:prod,service:checkout,severity:critical", "$HOSTNAME": "api-gw-1",
		"$LINK": "https://app.datadoghq.com/monitors/1234", "$DATE": "1795435200000",
	} {
		body = strings.ReplaceAll(body, `"`+k+`"`, `"`+v+`"`)
	}
	return []byte(body)
}

func TestDatadogMonitorLifecycle(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		post := func(body []byte) map[string]any {
			status, out := h.post("/v1/alerts/datadog", ddToken, body)
			require.Equal(t, http.StatusOK, status, "%v", out)
			return out
		}
		outcome := func(out map[string]any) string {
			return out["results"].([]any)[0].(map[string]any)["outcome"].(string)
		}
		assert.Equal(t, "opened", outcome(post(datadogBody(t, "ev1", "cycle-1", "Triggered"))))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1 P1 checkout: High error rate on api-gw")

		assert.Equal(t, "duplicate", outcome(post(datadogBody(t, "ev1", "cycle-1", "Triggered"))), "a retried delivery")
		assert.Equal(t, "duplicate", outcome(post(datadogBody(t, "ev2", "cycle-1", "Re-Triggered"))))
		assert.Equal(t, "duplicate", outcome(post(datadogBody(t, "ev3", "cycle-1", "Renotify"))))
		h.tick()
		h.phone(alicePhone).expectNoSMS()

		h.advance(3 * time.Minute)
		assert.Equal(t, "resolved", outcome(post(datadogBody(t, "ev4", "cycle-1", "Recovered"))))
		h.tick()
		h.phone(alicePhone).expectSMS("RESOLVED INC-1")

		assert.Equal(t, "opened", outcome(post(datadogBody(t, "ev5", "cycle-2", "Triggered"))), "a new cycle")

		status, out := h.post("/v1/alerts/datadog", amToken, datadogBody(t, "ev6", "cycle-3", "Triggered"))
		assert.Equal(t, http.StatusUnauthorized, status, "another source's token")
		assert.Contains(t, out["error"], "token")
		status, out = h.post("/v1/alerts/datadog", ddToken, datadogBody(t, "ev7", "cycle-3", "Exploded"))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, out["error"], "alert_transition")
	})
}

func pdEvent(action, dedupKey string) []byte {
	ev := map[string]any{"routing_key": pdToken, "event_action": action, "dedup_key": dedupKey}
	if action == "trigger" {
		ev["payload"] = map[string]any{"summary": "Deploy pipeline failing", "source": "ci-1", "severity": "critical"}
	}
	b, _ := json.Marshal(ev)
	return b
}

func TestPagerDutyEventsTriggerAcknowledgeResolve(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		status, out := h.post("/v2/enqueue", "", pdEvent("trigger", "deploy-42"))
		require.Equal(t, http.StatusAccepted, status, "%v", out)
		assert.Equal(t, map[string]any{"status": "success", "message": "Event processed", "dedup_key": "deploy-42"}, out)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1 P1 checkout: Deploy pipeline failing")

		status, _ = h.post("/v2/enqueue", "", pdEvent("trigger", "deploy-42"))
		require.Equal(t, http.StatusAccepted, status)
		assert.Len(t, h.incidents("all"), 1)

		status, _ = h.post("/v2/enqueue", "", pdEvent("acknowledge", "deploy-42"))
		require.Equal(t, http.StatusAccepted, status)
		assert.Equal(t, engine.StateAcknowledged, h.incident("INC-1").State)
		h.advance(time.Hour)
		h.phone(carolPhone).expectNoSMS()

		status, _ = h.post("/v2/enqueue", "", pdEvent("resolve", "deploy-42"))
		require.Equal(t, http.StatusAccepted, status)
		assert.Equal(t, engine.StateResolved, h.incident("INC-1").State)
	})
}

func TestPagerDutyEventsRefusals(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		status, out := h.post("/v2/enqueue", "", []byte(`{"routing_key":"`+pdToken+`","event_action":"trigger","payload":{"source":"x","severity":"loud"}}`))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "invalid event", out["status"])
		assert.Equal(t, "Event object is invalid", out["message"])
		assert.NotEmpty(t, out["errors"])
		assert.Contains(t, out["error"], "payload.")

		status, out = h.post("/v2/enqueue", "", []byte(strings.Replace(string(pdEvent("trigger", "k")), pdToken, amToken, 1)))
		assert.Equal(t, http.StatusBadRequest, status, "an Alertmanager token is no routing key")
		assert.Contains(t, out["error"], "routing_key")
		assert.Empty(t, h.incidents("all"))
	})
}
