package twilio_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

func inboundSMS(body string) url.Values {
	return url.Values{
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"},
		"AccountSid": {accountSID},
		"From":       {alice},
		"To":         {"+15550001111"},
		"Body":       {body},
	}
}

// valid parses r's form and reports whether v accepts r.
func valid(t *testing.T, v *twilio.Verifier, r *http.Request) bool {
	t.Helper()
	require.NoError(t, r.ParseForm())
	return v.Valid(r, r.PostForm)
}

func TestVerifier(t *testing.T) {
	v, err := twilio.NewVerifier(publicURL+"/", authToken, secondary)
	require.NoError(t, err)
	form := inboundSMS("42a")

	tests := []struct {
		name  string
		req   func() *http.Request
		valid bool
	}{
		{"signed with the primary token", func() *http.Request {
			return twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form)
		}, true},
		{"signed with the secondary token", func() *http.Request {
			return twiliotest.SignedRequest(t, secondary, publicURL, "/v1/twilio/sms", form)
		}, true},
		{"query is signed over", func() *http.Request {
			return twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms?incident=42&a=b%20c", form)
		}, true},
		{"Host header is ignored", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form)
			r.Host = "attacker.example"
			return r
		}, true},
		{"signed with another token", func() *http.Request {
			return twiliotest.SignedRequest(t, "someothertoken", publicURL, "/v1/twilio/sms", form)
		}, false},
		{"body tampered with", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form)
			forged := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42r"))
			forged.Header.Set(twilio.SignatureHeader, r.Header.Get(twilio.SignatureHeader))
			return forged
		}, false},
		{"signed for another path", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/voice", form)
			signed := r.Header.Get(twilio.SignatureHeader)
			r = twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form)
			r.Header.Set(twilio.SignatureHeader, signed)
			return r
		}, false},
		{"query tampered with", func() *http.Request {
			signed := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms?incident=42", form)
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms?incident=43", form)
			r.Header.Set(twilio.SignatureHeader, signed.Header.Get(twilio.SignatureHeader))
			return r
		}, false},
		{"signed for the Host header instead of the public URL", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, "https://attacker.example", "/v1/twilio/sms", form)
			r.Host = "attacker.example"
			return r
		}, false},
		{"no signature", func() *http.Request {
			r := twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", form)
			r.Header.Del(twilio.SignatureHeader)
			return r
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.valid, valid(t, v, tt.req()))
		})
	}
}

func TestVerifierWithoutSecondaryTokenRejectsEmptyKey(t *testing.T) {
	v, err := twilio.NewVerifier(publicURL, authToken, "")
	require.NoError(t, err)
	r := twiliotest.SignedRequest(t, "", publicURL, "/v1/twilio/sms", inboundSMS("42a"))
	assert.False(t, valid(t, v, r))
}

func TestVerifierIgnoresStripPrefix(t *testing.T) {
	v, err := twilio.NewVerifier(publicURL, authToken, "")
	require.NoError(t, err)
	var ok bool
	h := http.StripPrefix("/v1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		ok = v.Valid(r, r.PostForm)
	}))
	h.ServeHTTP(nil, twiliotest.SignedRequest(t, authToken, publicURL, "/v1/twilio/sms", inboundSMS("42a")))
	assert.True(t, ok)
}

func TestNewVerifierChecksArguments(t *testing.T) {
	_, err := twilio.NewVerifier("klaxon.example.com", authToken, "")
	assert.ErrorContains(t, err, "public_url")
	_, err = twilio.NewVerifier(publicURL, "", "")
	assert.ErrorContains(t, err, "auth_token")
}
