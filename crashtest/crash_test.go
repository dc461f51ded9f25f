package crashtest

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// A 2xx to a webhook means the alert is stored: killed the moment it has
// answered, Klaxon comes back with the incident and pages for it, once.
func TestKillJustAfterA2xx(t *testing.T) {
	// Alice's SMS waits 3 s after she is paged, so that the kill always
	// lands before the send: a kill during the send leaves its outcome
	// unknown, which TestKillMidSend covers.
	onEachStore(t, options{smsDelay: 3 * time.Second, stepWait: 2 * time.Second}, func(t *testing.T, d *deployment) {
		first := d.start()
		if status := postAlert(t, first, "HighErrorRate"); status != http.StatusOK {
			t.Fatalf("webhook answered %d", status)
		}
		first.kill()
		if n := len(d.twilio.Messages()); n != 0 {
			t.Fatalf("%d SMS went out before the kill; the scenario needs the kill first", n)
		}

		second := d.start()
		if _, ok := incident(t, second, "INC-1"); !ok {
			t.Fatal("INC-1 is gone after the restart")
		}
		msgs := d.waitMessages(t, 1)
		if !strings.HasPrefix(msgs[0].Body, "INC-1 P1 checkout: HighErrorRate") {
			t.Errorf("page %q", msgs[0].Body)
		}
		inc := settle(t, second, "INC-1")
		for step := range 2 {
			if p, ok := stepPage(inc, step); !ok || p.Status != engine.PageSent {
				t.Errorf("step %d's page to Alice: %+v, want sent", step+1, p)
			}
		}
		d.requireOneMessagePerPage(t, inc, 0)
	})
}

// Killed between two steps and started after the second is due, Klaxon
// runs the overdue step at once and does not page the first step again.
func TestKillMidEscalation(t *testing.T) {
	const stepWait = 5 * time.Second
	onEachStore(t, options{stepWait: stepWait}, func(t *testing.T, d *deployment) {
		first := d.start()
		if status := postAlert(t, first, "HighErrorRate"); status != http.StatusOK {
			t.Fatalf("webhook answered %d", status)
		}
		// Kill once the first page is recorded as sent: killed earlier, it
		// would be a kill mid-send.
		inc := waitIncident(t, first, "INC-1", "the first page recorded as sent", func(inc engine.Incident) bool {
			p, ok := stepPage(inc, 0)
			return ok && p.Status == engine.PageSent
		})
		// A record is readable a moment before it is on disk; a note is
		// answered only once written, and writes reach the disk in order,
		// so after the note's answer the sent page is on disk too.
		if status := addNote(t, first, "INC-1", "looking"); status != http.StatusOK {
			t.Fatalf("note answered %d", status)
		}
		first.kill()
		if n := len(d.twilio.Messages()); n != 1 {
			t.Fatalf("%d SMS before the kill, want the first step's only: the machine is too slow for a %s step", n, stepWait)
		}
		waitUntil(escalatedAt(t, inc).Add(stepWait))

		second := d.start()
		d.waitMessages(t, 2)
		inc = settle(t, second, "INC-1")
		for step := range 2 {
			if p, ok := stepPage(inc, step); !ok || p.Status != engine.PageSent {
				t.Errorf("step %d's page to Alice: %+v, want sent", step+1, p)
			}
		}
		d.requireOneMessagePerPage(t, inc, 0)
	})
}

// Killed while Twilio holds its request for a page, Klaxon cannot know
// whether the SMS went out: after the restart that page is recorded as of
// unknown outcome and not sent again, and escalation goes on.
func TestKillMidSend(t *testing.T) {
	onEachStore(t, options{stepWait: 2 * time.Second}, func(t *testing.T, d *deployment) {
		first := d.start()
		held := d.gate.holdNext(t)
		if status := postAlert(t, first, "HighErrorRate"); status != http.StatusOK {
			t.Fatalf("webhook answered %d", status)
		}
		held.waitHeld(t)
		first.kill()
		held.release(true) // Twilio got the request: the SMS goes out
		d.waitMessages(t, 1)

		second := d.start()
		inc := waitIncident(t, second, "INC-1", "the first page's outcome recorded as unknown", func(inc engine.Incident) bool {
			p, ok := stepPage(inc, 0)
			return ok && p.Status != engine.PagePending
		})
		if p, _ := stepPage(inc, 0); p.Status != engine.PageUnknown {
			t.Fatalf("first page %s, want %s; incident: %s", p.Status, engine.PageUnknown, describe(inc))
		}
		inc = settle(t, second, "INC-1")
		if p, ok := stepPage(inc, 1); !ok || p.Status != engine.PageSent {
			t.Errorf("step 2's page to Alice: %+v, want sent", p)
		}
		if !timelineSays(inc, "outcome unknown") {
			t.Errorf("the timeline does not say the outcome is unknown: %s", describe(inc))
		}
		d.requireOneMessagePerPage(t, inc, 1)
	})
}

// An acknowledgement by SMS reply survives a kill: the incident comes back
// acknowledged, with its owner, and escalation stays stopped.
func TestKillAfterAcknowledgement(t *testing.T) {
	const stepWait = 2 * time.Second
	onEachStore(t, options{stepWait: stepWait}, func(t *testing.T, d *deployment) {
		first := d.start()
		if status := postAlert(t, first, "HighErrorRate"); status != http.StatusOK {
			t.Fatalf("webhook answered %d", status)
		}
		d.waitMessages(t, 1)
		if answer := replySMS(t, first, alicePhone, "1a"); answer != "INC-1 acknowledged by Alice Chen" {
			t.Fatalf("reply 1a answered %q", answer)
		}
		acked := time.Now()
		first.kill()

		second := d.start()
		inc, ok := incident(t, second, "INC-1")
		switch {
		case !ok:
			t.Fatal("INC-1 is gone after the restart")
		case inc.State != engine.StateAcknowledged || inc.Owner != "alice":
			t.Fatalf("after the restart: %s", describe(inc))
		}
		// The second step is due by now; it must not page.
		waitUntil(acked.Add(stepWait))
		if inc, _ := incident(t, second, "INC-1"); inc.State != engine.StateAcknowledged {
			t.Errorf("after the second step's time: %s", describe(inc))
		} else if _, ok := stepPage(inc, 1); ok {
			t.Errorf("the second step paged after the acknowledgement: %s", describe(inc))
		}
		if n := len(d.twilio.MessagesTo(alicePhone)); n != 1 {
			t.Errorf("%d SMS to Alice, want the first page only", n)
		}
	})
}

// replySMS sends an SMS from phone to the child's inbound webhook, signed
// as Twilio signs it, and returns the text of the TwiML answer.
func replySMS(t *testing.T, c *child, phone, text string) string {
	t.Helper()
	form := url.Values{"From": {phone}, "To": {senderPhone}, "Body": {text},
		"MessageSid": {"SMinbound"}, "AccountSid": {twilioSID}}
	signed := twiliotest.SignedRequest(t, twilioToken, publicURL, "/v1/twilio/sms", form)
	resp, err := http.DefaultClient.Do(twiliotest.ClientRequest(t, signed, c.url))
	if err != nil {
		t.Fatalf("reply to %s: %v", c.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reply answered %d (%v): %s", resp.StatusCode, err, body)
	}
	return twimlMessage(t, body)
}

// twimlMessage returns the text of a TwiML answer's message.
func twimlMessage(t *testing.T, body []byte) string {
	t.Helper()
	var doc struct {
		Message string `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("answer is not TwiML: %v: %s", err, body)
	}
	return doc.Message
}

func timelineSays(inc engine.Incident, text string) bool {
	for _, e := range inc.Timeline {
		if strings.Contains(e.Detail, text) {
			return true
		}
	}
	return false
}

// escalatedAt is when the incident's first step paged: its second step is
// due stepWait later.
func escalatedAt(t *testing.T, inc engine.Incident) time.Time {
	t.Helper()
	for _, e := range inc.Timeline {
		if e.Kind == engine.EntryEscalated {
			return e.At
		}
	}
	t.Fatalf("no escalation on the timeline: %s", describe(inc))
	return time.Time{}
}

// waitUntil waits until the wall clock has passed at: for scenarios that
// need a timer of the child's to be due, since the child runs on the
// system clock.
func waitUntil(at time.Time) {
	time.Sleep(time.Until(at) + 100*time.Millisecond)
}
