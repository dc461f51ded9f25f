package twilio_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// fakeVoiceResponder is a fakeResponder that also knows what calls say
// about incidents.
type fakeVoiceResponder struct {
	fakeResponder
	texts     map[string]string
	textAsked []string
}

func (f *fakeVoiceResponder) VoiceText(_ context.Context, incident string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.textAsked = append(f.textAsked, incident)
	text, ok := f.texts[incident]
	return text, ok
}

// phoneCall is a page call placed through the fake Twilio, with Klaxon's
// voice webhook to press keys on.
type phoneCall struct {
	fake      *twiliotest.Server
	call      twiliotest.Call
	handler   http.Handler
	responder *fakeVoiceResponder
}

// placeCall pages alice by phone for INC-42 and returns the call.
func placeCall(t *testing.T) *phoneCall {
	t.Helper()
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	_, _, err := s.Send(context.Background(), voice(alice, "INC-42 P1 checkout: HighErrorRate"))
	require.NoError(t, err)
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	require.NoError(t, err)
	r := &fakeVoiceResponder{fakeResponder: fakeResponder{answer: "INC-42 acknowledged by Alice Chen"},
		texts: map[string]string{"INC-42": "INC-42 P1 checkout: HighErrorRate, again"}}
	return &phoneCall{fake: fake, call: fake.CallsTo(alice)[0], handler: twilio.NewVoiceHandler(v, r, nil), responder: r}
}

// serve sends r to the voice webhook and returns its TwiML answer.
func (p *phoneCall) serve(t *testing.T, r *http.Request) string {
	t.Helper()
	rec := httptest.NewRecorder()
	p.handler.ServeHTTP(rec, r)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	return rec.Body.String()
}

// press presses digits on the call's first TwiML and returns the answer.
func (p *phoneCall) press(t *testing.T, digits string) string {
	t.Helper()
	return p.serve(t, p.fake.Press(t, p.call, digits))
}

func TestVoiceKeysActOnTheIncidentForThePersonCalled(t *testing.T) {
	tests := []struct {
		key  string
		verb engine.Verb
	}{
		{"4", engine.VerbAck},
		{"5", engine.VerbEscalate},
		{"6", engine.VerbResolve},
	}
	for _, tt := range tests {
		t.Run(string(tt.verb), func(t *testing.T) {
			p := placeCall(t)
			doc := decodeCall(t, p.press(t, tt.key))

			assert.Equal(t, []call{{alice, engine.ChannelVoice, engine.Command{Verb: tt.verb, Number: 42}}}, p.responder.Calls())
			assert.Equal(t, []string{"INC-42 acknowledged by Alice Chen"}, doc.Says)
			assert.NotNil(t, doc.Hangup)
			assert.Empty(t, doc.Gathers)
		})
	}
}

func TestVoiceStarRepeatsTheIncident(t *testing.T) {
	p := placeCall(t)
	doc := decodeCall(t, p.press(t, "*"))

	assert.Empty(t, p.responder.Calls())
	assert.Equal(t, []string{"INC-42"}, p.responder.textAsked)
	require.Len(t, doc.Gathers, 1)
	assert.Equal(t, []string{"INC-42 P1 checkout: HighErrorRate, again", twilio.VoicePrompt}, doc.Gathers[0].Says)
	assert.Equal(t, publicURL+"/v1/twilio/voice?page="+escapedPage+"&incident=INC-42", doc.Gathers[0].Action)
	assert.Equal(t, []string{twilio.VoiceGoodbye}, doc.Says)
	assert.NotNil(t, doc.Hangup)
}

func TestVoiceStarForAnIncidentGoneStillGathers(t *testing.T) {
	p := placeCall(t)
	p.responder.texts = nil
	doc := decodeCall(t, p.press(t, "*"))
	require.Len(t, doc.Gathers, 1)
	assert.Equal(t, []string{twilio.VoicePrompt}, doc.Gathers[0].Says)
}

func TestVoiceKeyAfterRepeatActs(t *testing.T) {
	p := placeCall(t)
	again := p.press(t, "*")
	p.serve(t, p.fake.PressIn(t, p.call, again, "4"))
	assert.Equal(t, []call{{alice, engine.ChannelVoice, engine.Command{Verb: engine.VerbAck, Number: 42}}}, p.responder.Calls())
}

func TestVoiceOtherKeysGetHelpOnceAndNeverAck(t *testing.T) {
	for _, key := range []string{"", "1", "9", "0", "#", "44"} {
		t.Run("key "+key, func(t *testing.T) {
			p := placeCall(t)
			help := p.press(t, key)
			doc := decodeCall(t, help)
			require.Len(t, doc.Gathers, 1)
			assert.Equal(t, []string{twilio.VoiceHelp}, doc.Gathers[0].Says)
			assert.Contains(t, doc.Gathers[0].Action, "retry=1")

			bye := decodeCall(t, p.serve(t, p.fake.PressIn(t, p.call, help, key)))
			assert.Empty(t, bye.Gathers, "help is given once")
			assert.Equal(t, []string{twilio.VoiceGoodbye}, bye.Says)
			assert.NotNil(t, bye.Hangup)
			assert.Empty(t, p.responder.Calls())
		})
	}
}

func TestVoiceKeyAfterHelpActs(t *testing.T) {
	p := placeCall(t)
	help := p.press(t, "9")
	p.serve(t, p.fake.PressIn(t, p.call, help, "6"))
	assert.Equal(t, []call{{alice, engine.ChannelVoice, engine.Command{Verb: engine.VerbResolve, Number: 42}}}, p.responder.Calls())
}

func TestVoiceInboundCallActsForTheCaller(t *testing.T) {
	p := placeCall(t)
	form := url.Values{"CallSid": {"CA1"}, "Digits": {"4"}, "Direction": {"inbound"},
		"From": {"+15551230002"}, "To": {"+15550001111"}}
	p.serve(t, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/voice?incident=INC-7", form))
	assert.Equal(t, []call{{"+15551230002", engine.ChannelVoice, engine.Command{Verb: engine.VerbAck, Number: 7}}}, p.responder.Calls())
}

func TestVoiceWithoutIncidentChangesNothing(t *testing.T) {
	p := placeCall(t)
	form := url.Values{"CallSid": {"CA1"}, "Digits": {"4"}, "From": {"+15550001111"}, "To": {alice}}
	doc := decodeCall(t, p.serve(t, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/voice", form)))
	assert.Equal(t, []string{twilio.VoiceUnavailable}, doc.Says)
	assert.NotNil(t, doc.Hangup)
	assert.Empty(t, p.responder.Calls())
}

func TestVoiceRefusesBadSignature(t *testing.T) {
	tests := []struct {
		name string
		req  func(p *phoneCall) *http.Request
	}{
		{"signed with another token", func(p *phoneCall) *http.Request {
			r := p.fake.Press(t, p.call, "4")
			form := url.Values{"CallSid": {p.call.SID}, "Digits": {"4"}, "From": {p.call.From}, "To": {alice}}
			r.Header.Set(twilio.SignatureHeader, twiliotest.Signature("someothertoken", publicURL+r.RequestURI, form))
			return r
		}},
		{"unsigned", func(p *phoneCall) *http.Request {
			r := p.fake.Press(t, p.call, "4")
			r.Header.Del(twilio.SignatureHeader)
			return r
		}},
		{"incident changed", func(p *phoneCall) *http.Request {
			signed := p.fake.Press(t, p.call, "4")
			form := url.Values{"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}, "CallSid": {p.call.SID},
				"CallStatus": {"in-progress"}, "Direction": {"outbound-api"}, "Digits": {"4"},
				"From": {p.call.From}, "Caller": {p.call.From}, "To": {alice}, "Called": {alice}}
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/voice?page="+escapedPage+"&incident=INC-43", form)
			r.Header.Set(twilio.SignatureHeader, signed.Header.Get(twilio.SignatureHeader))
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := placeCall(t)
			rec := httptest.NewRecorder()
			p.handler.ServeHTTP(rec, tt.req(p))
			assert.Contains(t, jsonError(t, rec, http.StatusForbidden), twilio.SignatureHeader)
			assert.Empty(t, p.responder.Calls())
			assert.Empty(t, p.responder.textAsked)
		})
	}
}

func TestVoiceAcceptsSecondaryToken(t *testing.T) {
	p := placeCall(t)
	r := p.fake.Press(t, p.call, "4")
	require.NoError(t, r.ParseForm())
	r = twiliotest.SignedRequest(t, secondary, publicURL, r.RequestURI, r.PostForm)
	p.serve(t, r)
	assert.Len(t, p.responder.Calls(), 1)
}

func TestVoiceRefusesOtherMethods(t *testing.T) {
	p := placeCall(t)
	rec := httptest.NewRecorder()
	p.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/twilio/voice", nil))
	jsonError(t, rec, http.StatusMethodNotAllowed)
}

func TestWebhooksLogNoSecretAndNoFullNumber(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := placeCall(t)
	v, err := twilio.NewVerifier(publicURL, authToken, secondary)
	require.NoError(t, err)
	voiceHandler := twilio.NewVoiceHandler(v, p.responder, log)
	sink := &fakeSink{err: errors.New("store unreachable")}
	statusHandler := twilio.NewStatusHandler(v, sink, log)
	smsHandler := twilio.NewSMSHandler(v, &p.responder.fakeResponder, log)

	forged := p.fake.Press(t, p.call, "4")
	forged.Header.Set(twilio.SignatureHeader, "AAAA")
	for _, r := range []struct {
		h   http.Handler
		req *http.Request
	}{
		{voiceHandler, p.fake.Press(t, p.call, "4")},
		{voiceHandler, p.fake.Press(t, p.call, "9")},
		{voiceHandler, forged},
		{statusHandler, p.fake.CallStatus(t, p.call, "no-answer", 0)},
		{smsHandler, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42a"))},
		{smsHandler, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("what?"))},
	} {
		r.h.ServeHTTP(httptest.NewRecorder(), r.req)
	}
	require.NotEmpty(t, logs.String())
	for _, secret := range []string{authToken, secondary, alice, alice[1:]} {
		assert.NotContains(t, logs.String(), secret)
	}
}
