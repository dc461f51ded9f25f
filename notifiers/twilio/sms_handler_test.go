package twilio_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// call is one command the responder was handed.
type call struct {
	from string
	ch   engine.Channel
	cmd  engine.Command
}

// fakeResponder records commands and answers with a fixed text.
type fakeResponder struct {
	answer string
	mu     sync.Mutex
	calls  []call
}

func (f *fakeResponder) HandleCommand(_ context.Context, from string, ch engine.Channel, cmd engine.Command) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{from, ch, cmd})
	return f.answer
}

func (f *fakeResponder) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func newSMSHandler(t *testing.T, answer string) (http.Handler, *fakeResponder) {
	t.Helper()
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	require.NoError(t, err)
	r := &fakeResponder{answer: answer}
	return twilio.NewSMSHandler(v, r, nil), r
}

// twimlMessages decodes a TwiML answer's messages.
func twimlMessages(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	require.True(t, strings.HasPrefix(rec.Body.String(), "<?xml"), rec.Body.String())
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &doc))
	return doc.Messages
}

// jsonError decodes a JSON error answer.
func jsonError(t *testing.T, rec *httptest.ResponseRecorder, status int) string {
	t.Helper()
	assert.Equal(t, status, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body struct{ Error string }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return body.Error
}

func TestSMSHandlerAnswersWithResponderText(t *testing.T) {
	h, responder := newSMSHandler(t, `INC-42 acknowledged by Alice <"Al"> & co`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42a")))

	assert.Equal(t, []string{`INC-42 acknowledged by Alice <"Al"> & co`}, twimlMessages(t, rec))
	assert.NotContains(t, rec.Body.String(), "<\"Al\">", "text is escaped")
	assert.Equal(t, []call{{alice, engine.ChannelSMS, engine.Command{Verb: engine.VerbAck, Number: 42}}}, responder.Calls())
}

func TestSMSHandlerAcceptsSecondaryToken(t *testing.T) {
	h, responder := newSMSHandler(t, "ok")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, secondary, publicURL, "/v1/twilio/sms", inboundSMS("ack")))

	assert.Equal(t, []string{"ok"}, twimlMessages(t, rec))
	assert.Len(t, responder.Calls(), 1)
}

func TestSMSHandlerAnswersHelpForUnknownReply(t *testing.T) {
	h, responder := newSMSHandler(t, "must not be used")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("what is going on?")))

	assert.Equal(t, []string{twilio.HelpText}, twimlMessages(t, rec))
	assert.Empty(t, responder.Calls())
}

func TestSMSHandlerAnswersNothingForEmptyText(t *testing.T) {
	h, _ := newSMSHandler(t, "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42a")))
	assert.Empty(t, twimlMessages(t, rec))
}

func TestSMSHandlerRefusesBadSignature(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{"forged signature", func() *http.Request {
			return twiliotest.SignedRequest(t, "someothertoken", publicURL, "/v1/twilio/sms", inboundSMS("42r"))
		}},
		{"missing signature", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42r"))
			r.Header.Del(twilio.SignatureHeader)
			return r
		}},
		{"unparsable reply with forged signature", func() *http.Request {
			return twiliotest.SignedRequest(t, "someothertoken", publicURL, "/v1/twilio/sms", inboundSMS("hi"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, responder := newSMSHandler(t, "ok")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, tt.req())
			assert.Contains(t, jsonError(t, rec, http.StatusForbidden), twilio.SignatureHeader)
			assert.Empty(t, responder.Calls())
		})
	}
}

func TestSMSHandlerRefusesOversizedBody(t *testing.T) {
	h, responder := newSMSHandler(t, "ok")
	form := inboundSMS(strings.Repeat("x", 70<<10))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form))
	jsonError(t, rec, http.StatusRequestEntityTooLarge)
	assert.Empty(t, responder.Calls())
}

func TestSMSHandlerRefusesOtherMethods(t *testing.T) {
	h, _ := newSMSHandler(t, "ok")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/twilio/sms", nil))
	jsonError(t, rec, http.StatusMethodNotAllowed)
	assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
}

func TestSMSHandlerRequiresFrom(t *testing.T) {
	h, responder := newSMSHandler(t, "ok")
	form := inboundSMS("42a")
	form.Del("From")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form))
	assert.Contains(t, jsonError(t, rec, http.StatusBadRequest), "From")
	assert.Empty(t, responder.Calls())
}
