package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// operate posts an operator action and returns the status and answer.
func (h *harness) operate(key, action, body string) (int, map[string]any) {
	h.t.Helper()
	return h.post("/v1/incidents/"+key+"/"+action, apiToken, []byte(body))
}

func TestOperatorAPIActsOnIncidents(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		status, out := h.operate("INC-1", "escalate", `{"by": "bob"}`)
		require.Equal(t, http.StatusOK, status, "%v", out)
		h.tick()
		h.phone(carolPhone).expectSMS("INC-1")

		status, out = h.operate("INC-1", "ack", `{"by": "bob"}`)
		require.Equal(t, http.StatusOK, status, "%v", out)
		assert.Equal(t, "acknowledged", out["state"])
		assert.Equal(t, "bob", out["owner"])

		status, out = h.operate("INC-1", "ack", `{"by": "alice"}`)
		assert.Equal(t, http.StatusConflict, status)
		assert.Contains(t, out["error"], "acknowledged")

		status, _ = h.operate("INC-1", "notes", `{"by": "bob", "text": "Failing over to the standby database"}`)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "update from Bob Diaz: Failing over to the standby database", lastEntry(h.incident("INC-1")).Detail)

		status, out = h.operate("INC-1", "resolve", `{"by": "bob"}`)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "resolved", out["state"])
		h.tick()
		h.phone(alicePhone).expectSMS("RESOLVED INC-1 checkout: HighErrorRate api-gw 12% errors (by Bob Diaz, 0s)")
	})
}

func TestOperatorAPIRefusesBadRequests(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		cases := []struct {
			name, key, action, body string
			status                  int
			error                   string
		}{
			{"unknown person", "INC-1", "ack", `{"by": "zed"}`, http.StatusBadRequest, "by:"},
			{"not JSON", "INC-1", "ack", `by=alice`, http.StatusBadRequest, "body:"},
			{"unknown field", "INC-1", "ack", `{"by": "alice", "who": 1}`, http.StatusBadRequest, "body:"},
			{"note without text", "INC-1", "notes", `{"by": "alice"}`, http.StatusBadRequest, "text:"},
			{"unknown incident", "INC-9", "resolve", `{"by": "alice"}`, http.StatusNotFound, "INC-9"},
			{"responders without target", "INC-1", "responders", `{"by": "alice"}`, http.StatusBadRequest, "target:"},
			{"responders to a rotation that does not exist", "INC-1", "responders", `{"by": "alice", "target": "rotation:payments/none"}`, http.StatusBadRequest, "target:"},
		}
		for _, c := range cases {
			status, out := h.operate(c.key, c.action, c.body)
			assert.Equal(t, c.status, status, c.name)
			assert.Contains(t, out["error"], c.error, c.name)
		}
		status, _ := h.post("/v1/incidents/INC-1/ack", "", []byte(`{"by": "alice"}`))
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
	})
}

func TestRespondersPagesAnotherRotationNow(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).reply("1a")

		status, out := h.operate("INC-1", "responders", `{"by": "alice", "target": "person:dave"}`)
		require.Equal(t, http.StatusOK, status, "%v", out)
		h.tick()
		h.phone(davePhone).expectSMS("INC-1 P1 checkout")
		assert.True(t, hasEntry(h.incident("INC-1"), engine.EntryResponders))
		// Dave was paged, so he may act on it.
		assert.Equal(t, "INC-1 updated by Dave Fox", h.phone(davePhone).reply("upd 1 looking at the load balancer"))
		// The same person asked for again is not paged twice.
		status, _ = h.operate("INC-1", "responders", `{"by": "alice", "target": "person:dave"}`)
		require.Equal(t, http.StatusOK, status)
		h.tick()
		h.phone(davePhone).expectSMS("INC-1")
	})
}

func TestIncidentListFiltersAndPages(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("A", "fp1"))
		h.advance(time.Hour)
		warning := firing("B", "fp2")
		warning.Labels["severity"] = "warning"
		h.sendAlerts(warning, firing("C", "fp3"))
		get := func(query string) (int, map[string]any) {
			req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/incidents"+query, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+apiToken)
			return h.do(req)
		}
		keys := func(out map[string]any) []string {
			var list []engine.Incident
			raw, _ := json.Marshal(out["incidents"])
			require.NoError(t, json.Unmarshal(raw, &list))
			var ks []string
			for _, inc := range list {
				ks = append(ks, inc.Key)
			}
			return ks
		}
		_, out := get("?priority=P2")
		assert.Equal(t, []string{"INC-2"}, keys(out))
		_, out = get("?since=2026-11-22T12:30:00Z")
		assert.Equal(t, []string{"INC-3", "INC-2"}, keys(out))
		_, out = get("?limit=2")
		assert.Equal(t, []string{"INC-3", "INC-2"}, keys(out))
		assert.EqualValues(t, 2, out["next_before"])
		_, out = get("?limit=2&before=2")
		assert.Equal(t, []string{"INC-1"}, keys(out))
		_, out = get("?service=checkout&state=open")
		assert.Len(t, keys(out), 3)
		status, out := get("?priority=P7")
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, out["error"], "priority:")
	})
}

func TestLowPriorityAndMaintenanceAlertsAreEvents(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		info := firing("CertExpiresSoon", "fp1")
		info.Labels["severity"] = "info"
		out := h.sendAlerts(info)
		assert.Equal(t, "event", out["results"].([]any)[0].(map[string]any)["outcome"])
		h.tick()
		assert.Empty(t, h.twilio.Messages())
		assert.Empty(t, h.incidents("all"))

		req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/events", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		status, events := h.do(req)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, events["events"], 1)
		ev := events["events"].([]any)[0].(map[string]any)
		assert.Equal(t, "priority", ev["event"])
		assert.Equal(t, "P3", ev["priority"])
		h.expectMetric(`klaxon_events_total{reason="priority"} 1`)

		// A P1 alert of the same group opens an incident.
		h.sendAlerts(firing("CertExpiresSoon", "fp2"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1 P1 checkout: CertExpiresSoon")
	})
}

func TestMaintenanceWindowMakesAlertsEvents(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		path := filepath.Join(h.dir, "klaxon.yaml")
		cfg, err := os.ReadFile(path)
		require.NoError(t, err)
		window := "maintenance:\n  - match: '{service=\"checkout\"}'\n    from: 2026-11-22T11:00:00Z\n    to: 2026-11-22T13:00:00Z\n"
		require.NoError(t, os.WriteFile(path, append(cfg, window...), 0o644))
		require.NoError(t, h.reload())

		out := h.sendAlerts(firing("HighErrorRate", "fp1"))
		assert.Equal(t, "event", out["results"].([]any)[0].(map[string]any)["outcome"])
		h.tick()
		assert.Empty(t, h.twilio.Messages())
		h.expectMetric(`klaxon_events_total{reason="maintenance"} 1`)

		// After the window the same alert, still firing, pages.
		h.advance(time.Hour)
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
	})
}

func TestResolvedIncidentsAreRemovedAfterTheRetention(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		a := firing("HighErrorRate", "fp1")
		h.sendAlerts(a, firing("DiskFull", "fp2"))
		h.tick()
		h.sendAlerts(resolved(a))
		h.tick()
		h.advance(30*24*time.Hour + time.Minute)
		n, err := h.srv.Engine().PurgeExpired(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/incidents/INC-1", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		status, _ := h.do(req)
		assert.Equal(t, http.StatusNotFound, status)
		assert.Equal(t, engine.StateTriggered, h.incident("INC-2").State, "open incidents stay")
	})
}

func hasEntry(inc engine.Incident, kind engine.EntryKind) bool {
	for _, en := range inc.Timeline {
		if en.Kind == kind {
			return true
		}
	}
	return false
}
