package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// fakeSink records delivery reports and fails with err.
type fakeSink struct {
	err     error
	mu      sync.Mutex
	reports []engine.DeliveryReport
}

func (f *fakeSink) HandleDelivery(_ context.Context, r engine.DeliveryReport) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append(f.reports, r)
	return f.err
}

func (f *fakeSink) Reports() []engine.DeliveryReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.DeliveryReport(nil), f.reports...)
}

// sentPage is one SMS and one call placed through the fake Twilio for the
// page pageKey, with the status webhook to report on them.
type sentPage struct {
	fake    *twiliotest.Server
	message twiliotest.Message
	call    twiliotest.Call
	handler http.Handler
	sink    *fakeSink
}

func sendPage(t *testing.T) *sentPage {
	t.Helper()
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	m := sms(alice, "page")
	m.PageKey = pageKey
	_, _, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	_, _, err = s.Send(context.Background(), voice(alice, "INC-42"))
	require.NoError(t, err)
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	require.NoError(t, err)
	sink := &fakeSink{}
	return &sentPage{fake: fake, message: fake.Messages()[0], call: fake.Calls()[0],
		handler: twilio.NewStatusHandler(v, sink, nil), sink: sink}
}

func (p *sentPage) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.handler.ServeHTTP(rec, r)
	return rec
}

// The status callbacks of sendPage's message and call.
func messageStatus(t *testing.T, status string, code int) func(*sentPage) *http.Request {
	return func(p *sentPage) *http.Request { return p.fake.MessageStatus(t, p.message, status, code) }
}

func callStatus(t *testing.T, status string, code int) func(*sentPage) *http.Request {
	return func(p *sentPage) *http.Request { return p.fake.CallStatus(t, p.call, status, code) }
}

func answeredBy(t *testing.T, verdict string) func(*sentPage) *http.Request {
	return func(p *sentPage) *http.Request { return p.fake.AnsweredBy(t, p.call, verdict) }
}

func TestStatusCallbacksBecomeDeliveryReports(t *testing.T) {
	type report struct {
		call   bool // about the call, not the message
		status string
		failed bool
		code   int
	}
	tests := []struct {
		name string
		req  func(*sentPage) *http.Request
		want *report // nil: not reported
	}{
		{"message queued is not reported", messageStatus(t, "queued", 0), nil},
		{"message sending is not reported", messageStatus(t, "sending", 0), nil},
		{"message sent", messageStatus(t, "sent", 0), &report{false, "sent", false, 0}},
		{"message delivered", messageStatus(t, "delivered", 0), &report{false, "delivered", false, 0}},
		{"message read", messageStatus(t, "read", 0), &report{false, "read", false, 0}},
		{"message undelivered, unreachable handset", messageStatus(t, "undelivered", 30003), &report{false, "undelivered", true, 30003}},
		{"message undelivered, carrier violation", messageStatus(t, "undelivered", 30007), &report{false, "undelivered", true, 30007}},
		{"message failed, unknown destination", messageStatus(t, "failed", 30005), &report{false, "failed", true, 30005}},
		{"call ringing is not reported", callStatus(t, "ringing", 0), nil},
		{"call answered", callStatus(t, "in-progress", 0), &report{true, "in-progress", false, 0}},
		{"call completed", callStatus(t, "completed", 0), &report{true, "completed", false, 0}},
		{"call busy", callStatus(t, "busy", 0), &report{true, "busy", true, 0}},
		{"call not answered", callStatus(t, "no-answer", 0), &report{true, "no-answer", true, 0}},
		{"call failed", callStatus(t, "failed", 32009), &report{true, "failed", true, 32009}},
		{"call canceled", callStatus(t, "canceled", 0), &report{true, "canceled", true, 0}},
		{"voicemail answered", answeredBy(t, "machine_start"), &report{true, "machine_start", true, 0}},
		{"voicemail beeped", answeredBy(t, "machine_end_beep"), &report{true, "machine_end_beep", true, 0}},
		{"fax answered", answeredBy(t, "fax"), &report{true, "fax", true, 0}},
		{"human answered is not reported", answeredBy(t, "human"), nil},
		{"unknown answerer is not reported", answeredBy(t, "unknown"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sendPage(t)
			rec := p.serve(tt.req(p))
			assert.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
			if tt.want == nil {
				assert.Empty(t, p.sink.Reports())
				return
			}
			id := p.message.SID
			if tt.want.call {
				id = p.call.SID
			}
			assert.Equal(t, []engine.DeliveryReport{{PageKey: pageKey, ProviderID: id,
				Status: tt.want.status, Failed: tt.want.failed, Code: tt.want.code}}, p.sink.Reports())
		})
	}
}

func TestStatusWithoutPageIsNotReported(t *testing.T) {
	p := sendPage(t)
	m := p.message
	m.StatusCallback = publicURL + "/v1/twilio/status"
	rec := p.serve(p.fake.MessageStatus(t, m, "undelivered", 30003))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, p.sink.Reports())
}

func TestStatusThatCannotBeRecordedIs503(t *testing.T) {
	p := sendPage(t)
	p.sink.err = errors.New("store unreachable")
	rec := p.serve(p.fake.MessageStatus(t, p.message, "failed", 30005))
	msg := jsonError(t, rec, http.StatusServiceUnavailable)
	assert.NotContains(t, msg, "store unreachable", "internal errors stay inside")
}

func TestStatusWithoutSidIs400(t *testing.T) {
	p := sendPage(t)
	form := url.Values{"AccountSid": {accountSID}, "MessageStatus": {"delivered"}}
	rec := p.serve(twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/status?page="+escapedPage, form))
	assert.Contains(t, jsonError(t, rec, http.StatusBadRequest), "MessageSid")
	assert.Empty(t, p.sink.Reports())
}

func TestStatusRefusesBadSignature(t *testing.T) {
	p := sendPage(t)
	r := p.fake.MessageStatus(t, p.message, "failed", 30005)
	r.Header.Set(twilio.SignatureHeader, "AAAA")
	assert.Contains(t, jsonError(t, p.serve(r), http.StatusForbidden), twilio.SignatureHeader)

	forged := p.fake.MessageStatus(t, p.message, "failed", 30005)
	forged.Header.Set(twilio.SignatureHeader,
		twiliotest.Signature("someothertoken", p.message.StatusCallback, url.Values{"MessageStatus": {"failed"}}))
	jsonError(t, p.serve(forged), http.StatusForbidden)
	assert.Empty(t, p.sink.Reports())
}

func TestStatusRefusesOtherMethods(t *testing.T) {
	p := sendPage(t)
	rec := p.serve(httptest.NewRequest(http.MethodGet, "/v1/twilio/status", nil))
	jsonError(t, rec, http.StatusMethodNotAllowed)
}
