package crashtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// SIGTERM stops Klaxon cleanly: the request it is reading when the signal
// comes is answered, and stored, and the process exits 0.
func TestSIGTERMAnswersTheRequestInFlight(t *testing.T) {
	onEachStore(t, options{stepWait: time.Minute}, func(t *testing.T, d *deployment) {
		first := d.start()
		req := startSlowWebhook(t, first)
		first.terminate()
		if status := req.finish(t); status != http.StatusOK {
			t.Fatalf("the request in flight at SIGTERM answered %d", status)
		}
		requireCleanExit(t, first)

		second := d.start()
		if _, ok := incident(t, second, "INC-1"); !ok {
			t.Fatal("the alert of the request answered during shutdown is not stored")
		}
	})
}

// A replica stopped by SIGTERM while it holds a page's timer leaves it to
// the next replica at once, however long its lease: the next one does not
// wait the lease out, and nothing is paged twice.
func TestSIGTERMHandsTimersOverAtOnce(t *testing.T) {
	needBinary(t)
	// A five-minute lease: a timer left claimed would outlast the test.
	d := newDeployment(t, "redis", options{stepWait: 2 * time.Second, lease: 5 * time.Minute})
	first := d.start()
	held := d.gate.holdNext(t)
	if status := postAlert(t, first, "HighErrorRate"); status != http.StatusOK {
		t.Fatalf("webhook answered %d", status)
	}
	held.waitHeld(t)
	first.terminate()
	requireCleanExit(t, first)
	held.release(false) // Twilio never took the message

	second := d.start()
	inc := waitIncident(t, second, "INC-1", "the first page taken over", func(inc engine.Incident) bool {
		p, ok := stepPage(inc, 0)
		return ok && p.Status != engine.PagePending
	})
	if p, _ := stepPage(inc, 0); p.Status != engine.PageSent && p.Status != engine.PageUnknown {
		t.Errorf("first page %s, want sent (retried) or unknown; incident: %s", p.Status, describe(inc))
	}
	inc = settle(t, second, "INC-1")
	if p, ok := stepPage(inc, 1); !ok || p.Status != engine.PageSent {
		t.Errorf("step 2's page to Alice: %+v, want sent", p)
	}
	d.requireOneMessagePerPage(t, inc, 0)
}

// requireCleanExit requires that the child exits with status 0 within
// exitTimeout.
func requireCleanExit(t *testing.T, c *child) {
	t.Helper()
	start := time.Now()
	st, ok := c.wait(exitTimeout)
	switch {
	case !ok:
		t.Fatalf("%s still running %s after SIGTERM", c.name, exitTimeout)
	case st.code != 0:
		t.Fatalf("%s: %s after SIGTERM, want exit status 0", c.name, st)
	}
	t.Logf("%s exited %s after SIGTERM", c.name, time.Since(start).Round(time.Millisecond))
}

// slowWebhook is an Alertmanager webhook whose body is not sent yet.
type slowWebhook struct {
	body   io.WriteCloser
	answer chan webhookAnswer
}

type webhookAnswer struct {
	status int
	err    error
}

// startSlowWebhook sends a webhook's headers with "Expect: 100-continue"
// and returns once Klaxon has asked for the body: its handler is running,
// so the request is in flight.
func startSlowWebhook(t *testing.T, c *child) *slowWebhook {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pr.CloseWithError(io.ErrUnexpectedEOF) })
	continued := make(chan struct{})
	ctx := httptrace.WithClientTrace(context.Background(),
		&httptrace.ClientTrace{Got100Continue: func() { close(continued) }})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/v1/alerts/alertmanager", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(slowWebhookBody))
	req.Header.Set("Authorization", "Bearer "+amToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: readyTimeout}}
	w := &slowWebhook{body: pw, answer: make(chan webhookAnswer, 1)}
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			w.answer <- webhookAnswer{err: err}
			return
		}
		resp.Body.Close()
		w.answer <- webhookAnswer{status: resp.StatusCode}
	}()
	select {
	case <-continued:
	case a := <-w.answer:
		t.Fatalf("webhook answered before its body was sent: %+v", a)
	case <-time.After(readyTimeout):
		t.Fatalf("%s did not ask for the body within %s", c.name, readyTimeout)
	}
	return w
}

// slowWebhookBody is one firing critical alert.
const slowWebhookBody = `{"version":"4","status":"firing","alerts":[{"status":"firing","fingerprint":"fp-slow",` +
	`"labels":{"alertname":"DiskFull","severity":"critical"},"annotations":{"summary":"disk at 95%"}}]}`

// finish sends the body and returns the answer's status.
func (w *slowWebhook) finish(t *testing.T) int {
	t.Helper()
	go func() {
		_, _ = io.Copy(w.body, strings.NewReader(slowWebhookBody))
		w.body.Close()
	}()
	select {
	case a := <-w.answer:
		if a.err != nil {
			t.Fatalf("the request in flight failed: %v", a.err)
		}
		return a.status
	case <-time.After(exitTimeout):
		t.Fatalf("no answer within %s", exitTimeout)
	}
	return 0
}
