package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/redistest"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// aliceNotifies gives Alice the notify rules rules.
func (h *harness) aliceNotifies(rules string) {
	h.t.Helper()
	h.withRoster("    email: alice@example.com\n    notify: [sms]\n", "    email: alice@example.com\n    notify: "+rules+"\n")
}

// expectCall requires the next unanswered call to number, and returns it.
func (p *phone) expectCall() twiliotest.Call {
	p.h.t.Helper()
	calls := p.h.twilio.CallsTo(p.number)
	next := p.h.seen["call:"+p.number]
	require.Greater(p.h.t, len(calls), next, "%s: expected a call, got none", p.number)
	p.h.seen["call:"+p.number] = next + 1
	return calls[next]
}

func (p *phone) expectNoCall() {
	p.h.t.Helper()
	assert.Len(p.h.t, p.h.twilio.CallsTo(p.number), p.h.seen["call:"+p.number], "%s: expected no call", p.number)
}

// press answers a call by pressing digits and returns what Klaxon says.
func (p *phone) press(c twiliotest.Call, digits string) string {
	p.h.t.Helper()
	req := twiliotest.ClientRequest(p.h.t, p.h.twilio.Press(p.h.t, c, digits), p.h.http.URL)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.h.t, err)
	defer resp.Body.Close()
	require.Equal(p.h.t, http.StatusOK, resp.StatusCode)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(p.h.t, err)
	var twiml struct {
		Say []string `xml:"Say"`
	}
	require.NoError(p.h.t, xml.Unmarshal(raw, &twiml), "%s", raw)
	return strings.Join(twiml.Say, " ")
}

// report sends a Twilio status callback and requires it accepted.
func (h *harness) report(req *http.Request) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(twiliotest.ClientRequest(h.t, req, h.http.URL))
	require.NoError(h.t, err)
	resp.Body.Close()
	require.Less(h.t, resp.StatusCode, 300)
}

func TestSMSThenACallTwoMinutesLaterThenKeypressAck(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {voice: 2m}]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		alice := h.phone(alicePhone)
		alice.expectSMS("INC-1 P1 checkout")
		alice.expectNoCall()

		h.advance(2*time.Minute - time.Second)
		alice.expectNoCall()
		h.advance(time.Second)
		call := alice.expectCall()
		assert.Contains(t, call.Twiml, "INC-1 P1 checkout: HighErrorRate api-gw 12% errors")
		assert.NotContains(t, call.Twiml, "Reply 1a", "the call says the page without the SMS reply line")

		assert.Contains(t, alice.press(call, "4"), "INC-1 acknowledged by Alice Chen")
		assert.Equal(t, engine.StateAcknowledged, h.incident("INC-1").State)
		h.advance(time.Hour)
		alice.expectNoSMS()
		alice.expectNoCall()
		h.phone(carolPhone).expectNoSMS()
	})
}

func TestAcknowledgingBySMSCancelsThePendingCall(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {voice: 2m}]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.phone(alicePhone).reply("1a")
		h.advance(time.Hour)
		h.phone(alicePhone).expectNoCall()
		inc := h.incident("INC-1")
		page, ok := inc.Page("page/INC-1/g1/r0/s0/alice/voice")
		require.True(t, ok)
		assert.Equal(t, engine.PageCancelled, page.Status)
	})
}

func TestVoiceKeysEscalateAndResolve(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[voice]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		call := h.phone(alicePhone).expectCall()
		assert.Contains(t, h.phone(alicePhone).press(call, "5"), "INC-1 escalated by Alice Chen")
		h.tick()
		h.phone(carolPhone).expectSMS("INC-1")
		assert.Contains(t, h.phone(alicePhone).press(call, "6"), "INC-1 resolved by Alice Chen")
		assert.Equal(t, engine.StateResolved, h.incident("INC-1").State)
	})
}

func TestNoKeypressIsNoAcknowledgement(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[voice]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		call := h.phone(alicePhone).expectCall()
		said := h.phone(alicePhone).press(call, "")
		assert.NotContains(t, said, "acknowledged")
		h.report(h.twilio.AnsweredBy(t, call, "machine_end_beep"))
		h.report(h.twilio.CallStatus(t, call, "completed", 0))
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
	})
}

func TestPermanentSMSFailureFailsOverToACallAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {voice: 2m}, {email: 10m}]")
		h.twilio.FailNext(alicePhone, 400, 21610, "Attempt to send to unsubscribed recipient")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectNoSMS()
		call := h.phone(alicePhone).expectCall()
		assert.Contains(t, call.Twiml, "INC-1")
		inc := h.incident("INC-1")
		page, _ := inc.Page("page/INC-1/g1/r0/s0/alice/sms")
		assert.Equal(t, engine.PageFailed, page.Status)
		assert.True(t, hasDetail(inc, "21610"), "the failure and its code are on the timeline")
		assert.True(t, hasDetail(inc, "failing over to voice"))
	})
}

func TestUndeliveredSMSReportFailsOverAtOnce(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {voice: 2m}]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		msg := h.twilio.MessagesTo(alicePhone)[0]
		h.advance(30 * time.Second)
		h.report(h.twilio.MessageStatus(t, msg, "undelivered", 30003))
		h.tick()
		h.phone(alicePhone).expectCall()
		assert.True(t, hasDetail(h.incident("INC-1"), "30003"))
	})
}

func TestTransientErrorsAreRetriedWithBackoff(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.twilio.FailNext(alicePhone, 500, 20500, "Internal error")
		h.twilio.FailNext(alicePhone, 429, 20429, "Too many requests")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectNoSMS()
		for range 10 {
			h.advance(5 * time.Second)
		}
		h.phone(alicePhone).expectSMS("INC-1")
		h.phone(alicePhone).expectNoSMS()
		inc := h.incident("INC-1")
		assert.True(t, hasDetail(inc, "attempt 1"))
		assert.True(t, hasDetail(inc, "attempt 2"))
		h.expectMetric(`klaxon_pages_total{channel="sms",result="retried"} 2`)
	})
}

func TestP2IncidentsAreNotPhoned(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {voice: 2m}]")
		warning := firing("SlowQueries", "fp1")
		warning.Labels["severity"] = "warning"
		h.sendAlerts(warning)
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1 P2")
		h.advance(3 * time.Minute)
		h.phone(alicePhone).expectNoCall()
	})
}

func TestEmailPage(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[{email: 1m}]")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		assert.Empty(t, h.smtp.Messages())
		h.advance(time.Minute)
		mails, err := h.smtp.WaitMessages(context.Background(), 1)
		require.NoError(t, err)
		assert.Equal(t, []string{"alice@example.com"}, mails[0].To)
		assert.Equal(t, "INC-1 - P1 - HighErrorRate api-gw 12% errors", mails[0].Subject)
		assert.Contains(t, mails[0].Body, "Service: checkout")
	})
}

func TestNoSecretInLogsOrAnswers(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.aliceNotifies("[sms, {email: 1m}]")
		h.twilio.FailNext(alicePhone, 401, 20003, "Authenticate")
		h.smtp.FailNext(535, "5.7.8 Authentication credentials invalid")
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.advance(time.Minute)
		inc := h.incident("INC-1")
		h.post("/v1/alerts/alertmanager", "not-a-token", []byte("{"))
		h.phone("+15559999999").reply("1a")
		for _, secret := range []string{twilioToken, smtpPassword, amToken, apiToken} {
			assert.NotContains(t, h.logs.String(), secret)
			for _, en := range inc.Timeline {
				assert.NotContains(t, en.Detail, secret)
			}
		}
		assert.NotContains(t, h.logs.String(), alicePhone, "no full phone number in the logs")
	})
}

func hasDetail(inc engine.Incident, text string) bool {
	for _, en := range inc.Timeline {
		if strings.Contains(en.Detail, text) {
			return true
		}
	}
	return false
}

// paceOneMessageASecond restarts Klaxon with one sender number at one
// message a second, paced by the fake clock.
func (h *harness) paceOneMessageASecond() {
	h.t.Helper()
	h.paced = true
	cfg := strings.Replace(configYAML, "messages_per_second: 1000", "messages_per_second: 1", 1)
	if h.kind == "redis" {
		cfg += redisSection(redistest.Shared(h.t).URL())
	}
	h.rewriteConfig(cfg)
	h.restart()
}

func TestSenderRateLimitQueuesPagesAndLosesNone(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.paceOneMessageASecond()

		const pages = 20
		for i := range pages {
			h.sendAlerts(firing(fmt.Sprintf("Alert%02d", i), fmt.Sprintf("fp%02d", i)))
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _, _ = h.srv.Engine().RunDue(ctx) }()
		defer func() { cancel(); <-done }()

		began := h.clock.Now()
		for n := 1; n <= pages; n++ {
			wait, stop := context.WithTimeout(ctx, 30*time.Second)
			_, err := h.twilio.WaitMessages(wait, alicePhone, n)
			stop()
			require.NoError(t, err, "page %d never went out", n)
			if n < pages {
				h.clock.Advance(time.Second)
			}
		}
		assert.Equal(t, 19*time.Second, h.clock.Now().Sub(began), "20 pages at 1/s: the last 19 s after the first")
		keys := map[string]bool{}
		for _, m := range h.twilio.MessagesTo(alicePhone) {
			keys[strings.Fields(m.Body)[0]] = true
		}
		assert.Len(t, keys, pages, "one page per incident, none lost")
	})
}

func TestQueuedPagesOfAnAcknowledgedIncidentAreCancelled(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.paceOneMessageASecond()
		for i := range 3 {
			h.sendAlerts(firing(fmt.Sprintf("Alert%d", i), fmt.Sprintf("fp%d", i)))
		}
		done := make(chan struct{})
		go func() { defer close(done); _, _ = h.srv.Engine().RunDue(context.Background()) }()
		wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		first, err := h.twilio.WaitMessages(wait, alicePhone, 1)
		require.NoError(t, err)
		// Both other pages wait for the sender once their escalations have
		// recorded them; one incident is acknowledged meanwhile.
		for _, key := range []string{"INC-1", "INC-2", "INC-3"} {
			h.waitForPage(key, "page/"+key+"/g1/r0/s0/alice/sms")
		}
		queued := "INC-2"
		if strings.HasPrefix(first[0].Body, "INC-2 ") {
			queued = "INC-3"
		}
		status, _ := h.operate(queued, "ack", `{"by": "bob"}`)
		require.Equal(t, http.StatusOK, status)
		for range 3 {
			h.clock.Advance(time.Second)
		}
		<-done
		h.tick()
		msgs := h.twilio.MessagesTo(alicePhone)
		require.Len(t, msgs, 2)
		for _, m := range msgs {
			assert.False(t, strings.HasPrefix(m.Body, queued+" "), "no page for the acknowledged %s", queued)
		}
		inc := h.incident(queued)
		page, _ := inc.Page("page/" + queued + "/g1/r0/s0/alice/sms")
		assert.Equal(t, engine.PageCancelled, page.Status)
	})
}
