package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// withRoster puts a changed roster in force.
func (h *harness) withRoster(old, new string) {
	h.t.Helper()
	require.Contains(h.t, rosterYAML, old)
	h.writeRoster(strings.Replace(rosterYAML, old, new, 1))
	require.NoError(h.t, h.reload())
}

func lastEntry(inc engine.Incident) engine.Entry { return inc.Timeline[len(inc.Timeline)-1] }

func TestAckTimeoutTriggersTheIncidentAgain(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.withRoster("  - name: payments\n", "  - name: payments\n    ack_timeout: 30m\n")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		assert.Equal(t, "INC-1 acknowledged by Alice Chen", h.phone(alicePhone).reply("1a"))

		h.advance(30*time.Minute - time.Second)
		h.phone(alicePhone).expectNoSMS()
		h.advance(time.Second)
		h.phone(alicePhone).expectSMS("INC-1 P1 checkout")
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateTriggered, inc.State)
		assert.Equal(t, "alice", inc.Owner)

		// Escalation runs from the first step again.
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
	})
}

func TestResolvingBeforeTheAckTimeoutEndsIt(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.withRoster("  - name: payments\n", "  - name: payments\n    ack_timeout: 30m\n")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.phone(alicePhone).reply("1a")
		h.advance(10 * time.Minute)
		assert.Equal(t, "INC-1 resolved by Alice Chen", h.phone(alicePhone).reply("1r"))
		h.tick()
		h.phone(alicePhone).expectSMS("RESOLVED INC-1")
		h.advance(time.Hour)
		h.phone(alicePhone).expectNoSMS()
	})
}

func TestEscalateBySMSPagesTheNextStepAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		assert.Equal(t, "INC-1 escalated by Alice Chen", h.phone(alicePhone).reply("1e"))
		h.tick()
		h.phone(carolPhone).expectSMS("INC-1")
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
	})
}

func TestEscalatingAnAcknowledgedIncidentTriggersIt(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).reply("1a")
		assert.Equal(t, "INC-1 escalated by Alice Chen", h.phone(alicePhone).reply("esc 1"))
		h.tick()
		h.phone(carolPhone).expectSMS("INC-1")
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateTriggered, inc.State)
		// Carol acknowledges: she is the owner now.
		assert.Equal(t, "INC-1 acknowledged by Carol Egan", h.phone(carolPhone).reply("ack"))
		assert.Equal(t, "carol", h.incident("INC-1").Owner)
	})
}

func TestAckAllAcknowledgesEveryIncidentPagedToThePerson(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.sendAlerts(firing("DiskFull", "fp2"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.phone(alicePhone).expectSMS("INC-2")
		assert.Equal(t, "acknowledged: INC-1, INC-2 by Alice Chen", h.phone(alicePhone).reply("ACK ALL"))
		assert.Equal(t, engine.StateAcknowledged, h.incident("INC-1").State)
		assert.Equal(t, engine.StateAcknowledged, h.incident("INC-2").State)
		assert.Equal(t, "No open incident of yours to ack", h.phone(carolPhone).reply("ack all"))
	})
}

func TestStatusUpdateBySMSIsOnTheTimeline(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).reply("1a")
		assert.Equal(t, "INC-1 updated by Alice Chen", h.phone(alicePhone).reply("upd 1 Rolling back the deploy"))
		en := lastEntry(h.incident("INC-1"))
		assert.Equal(t, engine.EntryNote, en.Kind)
		assert.Equal(t, "update from Alice Chen: Rolling back the deploy", en.Detail)
	})
}

func TestPolicyRepeatsThenStopsAndSaysSo(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.withRoster("  - name: payments\n", "  - name: payments\n    repeat: 1\n")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
		h.advance(10 * time.Minute) // the second round
		h.phone(alicePhone).expectSMS("INC-1")
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
		h.advance(10 * time.Minute)
		h.advance(time.Hour)
		h.phone(alicePhone).expectNoSMS()
		h.phone(carolPhone).expectNoSMS()
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateTriggered, inc.State)
		assert.Equal(t, engine.EntryExhausted, lastEntry(inc).Kind)
		h.expectMetric("klaxon_escalations_exhausted_total 1")
	})
}

func TestStepWithNobodyOnCallIsSkippedAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		// The primary rotation only covers weekday office hours; it is Sunday.
		h.withRoster("    handoff: \"2026-11-16 09:00\"\n  - name: secondary",
			"    handoff: \"2026-11-16 09:00\"\n    hours: \"Mon-Fri 09:00-17:00\"\n  - name: secondary")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectNoSMS()
		h.phone(carolPhone).expectSMS("INC-1")
		assert.True(t, hasEntry(h.incident("INC-1"), engine.EntryStepSkipped))
	})
}

func TestStepLimitedToHighPrioritiesIsLeftOutForOthers(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.withRoster("    steps:\n", "    steps:\n      - notify: [\"person:dave\"]\n        priorities: [P0, P1]\n        escalate_after: 0s\n")
		critical := firing("HighErrorRate", "fp1")
		h.sendAlerts(critical)
		h.tick()
		h.phone(davePhone).expectSMS("INC-1 P1")
		h.phone(alicePhone).expectSMS("INC-1 P1")

		warning := firing("SlowQueries", "fp2")
		warning.Labels["severity"] = "warning" // P2 by the default priority
		h.sendAlerts(warning)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-2 P2")
		h.phone(davePhone).expectNoSMS()
	})
}
