package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withStakeholders gives the checkout service stakeholders and a status
// update interval of 15 minutes for P1 incidents.
func (h *harness) withStakeholders() {
	h.t.Helper()
	h.withRoster("    group_by: [alertname]\n",
		"    group_by: [alertname]\n    stakeholders: [leads@example.com]\n    update_every: {P1: 15m}\n")
}

func TestStatusUpdateRemindersAndStakeholderEmail(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.withStakeholders()
		alice := h.phone(alicePhone)
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		alice.expectSMS("INC-1")

		h.advance(2 * time.Minute)
		alice.reply("1a")
		h.tick()

		// 15 minutes without an update: the owner is reminded, and again 15 later.
		h.advance(15*time.Minute - time.Second)
		alice.expectNoSMS()
		h.advance(time.Second)
		alice.expectSMS("INC-1: no status update for 15m. Reply upd 1 <text>")
		h.advance(15 * time.Minute)
		alice.expectSMS("INC-1: no status update for 30m")

		// An update resets the clock.
		h.advance(5 * time.Minute)
		assert.Equal(t, "INC-1 updated by Alice Chen", alice.reply("upd 1 Rolled back; error rate falling"))
		h.tick()
		h.advance(15*time.Minute - time.Second)
		alice.expectNoSMS()
		h.advance(time.Second)
		alice.expectSMS("INC-1: no status update for 15m")

		h.advance(time.Minute)
		alice.reply("1r")
		h.tick()
		h.advance(time.Hour)
		alice.expectSMS("RESOLVED INC-1")
		alice.expectNoSMS()

		mails, err := h.smtp.WaitMessages(context.Background(), 4)
		require.NoError(t, err)
		require.Len(t, mails, 4)
		for _, m := range mails {
			assert.Equal(t, []string{"leads@example.com"}, m.To)
			assert.Equal(t, "INC-1 - P1 - HighErrorRate api-gw 12% errors", m.Subject)
		}
		assert.Contains(t, mails[0].Body, "INC-1 opened")
		assert.Contains(t, mails[0].Body, "State: triggered")
		assert.Contains(t, mails[0].Body, "Impact: 1 alert(s) firing: HighErrorRate api-gw 12% errors (firing)")
		assert.Contains(t, mails[1].Body, "INC-1 acknowledged")
		assert.Contains(t, mails[1].Body, "Owner: Alice Chen")
		assert.Contains(t, mails[1].Body, "Next update expected by: 2026-11-22 12:17 UTC")
		assert.Contains(t, mails[1].Body, "Time to acknowledge: 2m")
		assert.Contains(t, mails[2].Body, "INC-1 update")
		assert.Contains(t, mails[2].Body, "Last update: 2026-11-22 12:37 UTC, update from Alice Chen: Rolled back; error rate falling")
		assert.Contains(t, mails[2].Body, "Next update expected by: 2026-11-22 12:52 UTC")
		assert.Contains(t, mails[3].Body, "INC-1 resolved")
		assert.Contains(t, mails[3].Body, "Time to resolve: 53m")
		h.expectMetric(`klaxon_status_reminders_total 3`)
		h.expectMetric(`klaxon_stakeholder_emails_total{result="sent"} 4`)
	})
}

func TestNoRemindersWithoutUpdateEvery(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.phone(alicePhone).reply("1a")
		h.advance(2 * time.Hour)
		h.phone(alicePhone).expectNoSMS()
		assert.Empty(t, h.smtp.Messages(), "no stakeholders, no email")
	})
}
