package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

func TestUnacknowledgedIncidentEscalatesToTheNextStep(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		h.advance(5*time.Minute - time.Second)
		h.phone(carolPhone).expectNoSMS()
		h.advance(time.Second)
		h.phone(carolPhone).expectSMS("INC-1 P1 checkout")
		h.phone(alicePhone).expectNoSMS()

		// After the last step's wait, the policy is exhausted: no more pages.
		h.advance(10 * time.Minute)
		h.advance(time.Hour)
		h.phone(alicePhone).expectNoSMS()
		h.phone(carolPhone).expectNoSMS()
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateTriggered, inc.State)
		assert.Equal(t, engine.EntryExhausted, inc.Timeline[len(inc.Timeline)-1].Kind)
	})
}

func TestAcknowledgementStopsEscalation(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		h.advance(2 * time.Minute)
		assert.Equal(t, "INC-1 acknowledged by Alice Chen", h.phone(alicePhone).reply("1a"))
		h.advance(time.Hour)
		h.phone(carolPhone).expectNoSMS()
		h.phone(alicePhone).expectNoSMS()
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateAcknowledged, inc.State)
		assert.Equal(t, "alice", inc.Owner)
		assert.Equal(t, start.Add(2*time.Minute), inc.AckedAt.UTC())
	})
}

func TestSMSReplyForms(t *testing.T) {
	cases := []struct {
		name, reply, answer string
		state               engine.State
	}{
		{"number then letter", "1a", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"number, space, letter", "1 a", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"letter then number", "a1", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"verb then number", "ack 1", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"verb then key", "Ack INC-1", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"verb alone means the latest page", " ACK. ", "INC-1 acknowledged by Alice Chen", engine.StateAcknowledged},
		{"ack all", "ack all", "acknowledged: INC-1 by Alice Chen", engine.StateAcknowledged},
		{"resolve, short", "1r", "INC-1 resolved by Alice Chen", engine.StateResolved},
		{"resolve, res", "res 1", "INC-1 resolved by Alice Chen", engine.StateResolved},
		{"resolve, word and key", "resolve INC-1", "INC-1 resolved by Alice Chen", engine.StateResolved},
		{"resolve alone", "r", "INC-1 resolved by Alice Chen", engine.StateResolved},
		{"escalate, short", "1e", "INC-1 escalated by Alice Chen", engine.StateTriggered},
		{"escalate, esc", "esc 1", "INC-1 escalated by Alice Chen", engine.StateTriggered},
		{"escalate, word", "Escalate!", "INC-1 escalated by Alice Chen", engine.StateTriggered},
		{"status update", "upd 1 rolling back", "INC-1 updated by Alice Chen", engine.StateTriggered},
		{"not understood gets help", "hello", "Reply", engine.StateTriggered},
		{"unknown incident", "99a", "INC-99 is not an incident", engine.StateTriggered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			onEachStore(t, func(t *testing.T, h *harness) {
				h.sendAlerts(firing("HighErrorRate", "fp1"))
				h.tick()
				h.phone(alicePhone).expectSMS("INC-1")
				assert.Contains(t, h.phone(alicePhone).reply(c.reply), c.answer)
				assert.Equal(t, c.state, h.incident("INC-1").State)
			})
		})
	}
}

func TestRepliesSignedWithTheSecondaryTokenAreAccepted(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		form := url.Values{"From": {alicePhone}, "Body": {"1a"}}
		req := twiliotest.SignedRequest(t, twilioSecondary, publicURL, "/v1/twilio/sms", form)
		status, _ := h.do(twiliotest.ClientRequest(t, req, h.http.URL))
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, engine.StateAcknowledged, h.incident("INC-1").State)
	})
}

func TestSecondAcknowledgementIsAnsweredAndChangesNothing(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
		assert.Equal(t, "INC-1 acknowledged by Carol Egan", h.phone(carolPhone).reply("1a"))
		assert.Equal(t, "INC-1 is already acknowledged by Carol Egan", h.phone(alicePhone).reply("ack 1"))
		assert.Equal(t, "carol", h.incident("INC-1").Owner)
		assert.Equal(t, "INC-1 resolved by Alice Chen", h.phone(alicePhone).reply("1r"))
		assert.Equal(t, "INC-1 is already resolved", h.phone(carolPhone).reply("1a"))
	})
}

func TestRepliesFromPeopleNotRespondingChangeNothing(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		assert.Equal(t, "Not authorised", h.phone(davePhone).reply("1a"), "dave is in the rosters but not in this policy")
		assert.Equal(t, "Not authorised", h.phone("+15559999999").reply("1a"), "a number that is nobody's")
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
		// Carol is a target of the policy's second step, so she may act before being paged.
		assert.Equal(t, "INC-1 acknowledged by Carol Egan", h.phone(carolPhone).reply("1a"))
	})
}

func TestForgedTwilioSignatureIsRefused(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		form := url.Values{"From": {alicePhone}, "Body": {"1a"}}
		for name, req := range map[string]*http.Request{
			"signed with another token": twiliotest.SignedRequest(t, "someoneelsestoken", publicURL, "/v1/twilio/sms", form),
			"signed for another URL":    twiliotest.SignedRequest(t, twilioToken, "https://evil.test", "/v1/twilio/sms", form),
			"unsigned":                  unsigned(twiliotest.SignedRequest(t, twilioToken, publicURL, "/v1/twilio/sms", form)),
		} {
			target, err := url.Parse(h.http.URL + "/v1/twilio/sms")
			require.NoError(t, err)
			req.URL, req.Host, req.RequestURI = target, target.Host, ""
			status, out := h.do(req)
			assert.Equal(t, http.StatusForbidden, status, name)
			assert.Contains(t, out, "error", name)
		}
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
	})
}

func unsigned(r *http.Request) *http.Request {
	r.Header.Del("X-Twilio-Signature")
	return r
}

func TestRestartKeepsAcknowledgementsAndPendingEscalations(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.sendAlerts(firing("DiskFull", "fp2"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-2")
		assert.Equal(t, "INC-1 acknowledged by Alice Chen", h.phone(alicePhone).reply("1a"))

		h.restart()
		inc := h.incident("INC-1")
		assert.Equal(t, engine.StateAcknowledged, inc.State)
		assert.Equal(t, "alice", inc.Owner)

		// The same alert after the restart is still a duplicate.
		h.sendAlerts(firing("DiskFull", "fp2"))
		h.tick()
		h.phone(alicePhone).expectNoSMS()

		// INC-2's escalation is still pending, INC-1's is not.
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-2")
		h.phone(carolPhone).expectNoSMS()
		assert.Len(t, h.incidents("open"), 2)
	})
}
