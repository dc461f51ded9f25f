package twilio_test

import (
	"bufio"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// The fuzz targets below post arbitrary form bodies (and, for the voice and
// status webhooks, arbitrary queries) through the handlers as Twilio would:
// first without a signature, which must change nothing, then signed with
// the primary or the secondary token. Every answer must be a 2xx or a 4xx.

// Forms as Twilio posts them, for the seed corpora.
var (
	inboundSMSForm = url.Values{"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}, "Body": {"42a"},
		"From": {alice}, "To": {"+15550001111"}, "MessageSid": {"SM0123"}, "NumMedia": {"0"}, "NumSegments": {"1"}}
	gatherForm = url.Values{"AccountSid": {accountSID}, "CallSid": {"CA0123"}, "CallStatus": {"in-progress"},
		"Digits": {"4"}, "Direction": {"outbound-api"}, "From": {"+15550001111"}, "To": {alice}}
	messageStatusForm = url.Values{"AccountSid": {accountSID}, "MessageSid": {"SM0123"}, "MessageStatus": {"undelivered"},
		"SmsStatus": {"undelivered"}, "ErrorCode": {"30003"}, "From": {"+15550001111"}, "To": {alice}}
	callStatusForm = url.Values{"AccountSid": {accountSID}, "CallSid": {"CA0123"}, "CallStatus": {"no-answer"},
		"AnsweredBy": {"machine_start"}, "From": {"+15550001111"}, "To": {alice}}
)

func FuzzSMSHandler(f *testing.F) {
	for _, body := range []string{
		inboundSMSForm.Encode(), "From=%2B15551230001&Body=ack+all", "From=%2B15551230001&Body=upd+42+rolling+back",
		"From=&Body=42a", "Body=42a", "", "From=%zz", "From=a&From=b&Body=1a", "From=x;Body=y",
	} {
		f.Add(body, false)
	}
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	if err != nil {
		f.Fatal(err)
	}
	responder := &countingResponder{answer: "INC-42 acknowledged by Alice Chen <&>"}
	h := twilio.NewSMSHandler(v, responder, nil)
	f.Fuzz(func(t *testing.T, body string, useSecondary bool) {
		before := responder.calls.Load()
		rec := serveUnsigned(t, h, "/v1/twilio/sms", body)
		if responder.calls.Load() != before {
			t.Fatalf("an unsigned request reached the responder (answer %d)", rec.Code)
		}
		rec = serveSigned(t, h, "/v1/twilio/sms", body, useSecondary)
		if rec.Code == http.StatusOK {
			requireTwiML(t, rec)
		}
	})
}

func FuzzVoiceHandler(f *testing.F) {
	queries := []string{"page=p%2F1&incident=INC-42", "page=p&incident=INC-42&retry=1", "incident=INC-", "incident=-", "", "incident=INC-99999999999999999999", "a=%zz"}
	for i, digits := range []string{"4", "5", "6", "*", "", "44", " 4 ", "\x00"} {
		form := url.Values{}
		for k, vs := range gatherForm {
			form[k] = vs
		}
		form.Set("Digits", digits)
		f.Add(queries[i%len(queries)], form.Encode(), i%2 == 1)
	}
	f.Add("incident=INC-1", "Direction=inbound&From=%2B15551230001&Digits=4", false)
	f.Add("incident=INC-1", "To=&Digits=4", false)
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	if err != nil {
		f.Fatal(err)
	}
	responder := &countingResponder{answer: "INC-42 acknowledged by Alice Chen", voiceText: "INC-42 P1 checkout: <HighErrorRate> & more"}
	h := twilio.NewVoiceHandler(v, responder, nil)
	f.Fuzz(func(t *testing.T, query, body string, useSecondary bool) {
		path := withQuery("/v1/twilio/voice", query)
		before := responder.calls.Load()
		rec := serveUnsigned(t, h, path, body)
		if responder.calls.Load() != before {
			t.Fatalf("an unsigned request reached the responder (answer %d)", rec.Code)
		}
		rec = serveSigned(t, h, path, body, useSecondary)
		if rec.Code == http.StatusOK {
			requireTwiML(t, rec)
		}
	})
}

func FuzzStatusHandler(f *testing.F) {
	f.Add("page=page%2FINC-42%2Fg1%2Fr0%2Fs0%2Falice%2Fsms", messageStatusForm.Encode(), false)
	f.Add("page=p", callStatusForm.Encode(), true)
	f.Add("page=p", "CallSid=CA1&AnsweredBy=fax", false)
	f.Add("page=p", "MessageSid=SM1&MessageStatus=queued", false)
	f.Add("page=p", "MessageSid=SM1&MessageStatus=failed&ErrorCode=99999999999999999999999", false)
	f.Add("", "MessageSid=SM1&MessageStatus=delivered", false)
	f.Add("page=p", "", false)
	f.Add("page=%zz", "CallSid=CA1", false)
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	if err != nil {
		f.Fatal(err)
	}
	sink := &countingResponder{}
	h := twilio.NewStatusHandler(v, sink, nil)
	f.Fuzz(func(t *testing.T, query, body string, useSecondary bool) {
		path := withQuery("/v1/twilio/status", query)
		before := sink.calls.Load()
		rec := serveUnsigned(t, h, path, body)
		if sink.calls.Load() != before {
			t.Fatalf("an unsigned request reached the sink (answer %d)", rec.Code)
		}
		serveSigned(t, h, path, body, useSecondary)
	})
}

// countingResponder answers commands, voice texts and delivery reports,
// and only counts them: the fuzz targets call it millions of times.
type countingResponder struct {
	answer, voiceText string
	calls             atomic.Int64
}

func (c *countingResponder) HandleCommand(context.Context, string, engine.Channel, engine.Command) string {
	c.calls.Add(1)
	return c.answer
}

func (c *countingResponder) VoiceText(context.Context, string) (string, bool) {
	return c.voiceText, c.voiceText != ""
}

func (c *countingResponder) HandleDelivery(context.Context, engine.DeliveryReport) error {
	c.calls.Add(1)
	return nil
}

// withQuery appends query to path, when there is one.
func withQuery(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// serveUnsigned posts body to target with no signature and requires a 4xx.
func serveUnsigned(t *testing.T, h http.Handler, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	rec := serve(t, h, formRequest(t, target, body))
	if rec.Code < 400 || rec.Code > 499 {
		t.Fatalf("unsigned request answered %d, want a 4xx: %s", rec.Code, rec.Body)
	}
	return rec
}

// serveSigned posts body to target signed as Twilio signs it, and requires
// a 2xx or a 4xx.
func serveSigned(t *testing.T, h http.Handler, target, body string, useSecondary bool) *httptest.ResponseRecorder {
	t.Helper()
	r := formRequest(t, target, body)
	token := authToken
	if useSecondary {
		token = secondary
	}
	if form, err := url.ParseQuery(body); err == nil {
		r.Header.Set(twilio.SignatureHeader, twiliotest.Signature(token, publicURL+target, firstValues(form)))
	}
	rec := serve(t, h, r)
	if rec.Code < 200 || rec.Code > 499 || rec.Code >= 300 && rec.Code < 400 {
		t.Fatalf("signed request answered %d, want a 2xx or a 4xx: %s", rec.Code, rec.Body)
	}
	return rec
}

// formRequest reads a form POST to target off the wire, as the server
// would; a target no request line can carry skips the input.
func formRequest(t *testing.T, target, body string) *http.Request {
	t.Helper()
	raw := "POST " + target + " HTTP/1.1\r\nHost: klaxon.example.com\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Skipf("not a request line: %v", err)
	}
	r.RemoteAddr = "192.0.2.1:1234"
	return r
}

func serve(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// firstValues keeps the first value of each parameter: what Twilio's
// signature covers, since Twilio never repeats one.
func firstValues(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, vs := range form {
		out[k] = vs[:1]
	}
	return out
}

// requireTwiML requires that a 200 answer is a TwiML document.
func requireTwiML(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var doc struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.XMLName.Local != "Response" {
		t.Fatalf("answer is not TwiML (%v): %s", err, rec.Body)
	}
}

// TestFuzzRequestsPassTheSignatureCheck guards the fuzz targets: their
// signed requests must get past the signature check, or they would fuzz
// nothing but the 403.
func TestFuzzRequestsPassTheSignatureCheck(t *testing.T) {
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	if err != nil {
		t.Fatal(err)
	}
	responder, sink := &countingResponder{answer: "ok"}, &countingResponder{}
	for _, useSecondary := range []bool{false, true} {
		serveSigned(t, twilio.NewSMSHandler(v, responder, nil), "/v1/twilio/sms", inboundSMSForm.Encode(), useSecondary)
		serveSigned(t, twilio.NewVoiceHandler(v, responder, nil), "/v1/twilio/voice?incident=INC-42", gatherForm.Encode(), useSecondary)
		serveSigned(t, twilio.NewStatusHandler(v, sink, nil), "/v1/twilio/status?page=p", messageStatusForm.Encode(), useSecondary)
	}
	if got := responder.calls.Load(); got != 4 {
		t.Errorf("responder called %d times, want 4 (an SMS and a key, with each token)", got)
	}
	if got := sink.calls.Load(); got != 2 {
		t.Errorf("sink given %d reports, want 2", got)
	}
}
