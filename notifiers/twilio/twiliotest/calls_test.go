package twiliotest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

const callTwiml = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Gather numDigits="1" action="https://k.example/v1/twilio/voice?page=p%2F1&amp;incident=INC-42" method="POST"><Say>hi</Say></Gather></Response>`

// postCall places one call straight over HTTP.
func postCall(t *testing.T, s *twiliotest.Server, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	return postResource(t, s, "Calls", sid, token, form)
}

func callForm(to string) url.Values {
	return url.Values{
		"To": {to}, "From": {"+15550001111"}, "Twiml": {callTwiml},
		"StatusCallback":      {"https://k.example/v1/twilio/status?page=p%2F1"},
		"StatusCallbackEvent": {"answered", "completed"},
		"MachineDetection":    {"Enable"}, "AsyncAmd": {"true"},
		"AsyncAmdStatusCallback": {"https://k.example/v1/twilio/status?page=p%2F1"},
	}
}

func TestServerAcceptsAndRecordsCall(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	resp, body := postCall(t, s, callForm("+15551230001"))
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "queued", body["status"])
	require.Len(t, s.Calls(), 1)
	c := s.Calls()[0]
	assert.Equal(t, body["sid"], c.SID)
	assert.Regexp(t, `^CA[0-9a-f]{32}$`, c.SID)
	assert.Equal(t, "+15551230001", c.To)
	assert.Equal(t, "+15550001111", c.From)
	assert.Equal(t, callTwiml, c.Twiml)
	assert.Equal(t, "https://k.example/v1/twilio/status?page=p%2F1", c.StatusCallback)
	assert.Equal(t, []string{"answered", "completed"}, c.StatusCallbackEvents)
	assert.Equal(t, "Enable", c.MachineDetection)
	assert.Equal(t, "true", c.AsyncAmd)
	assert.Empty(t, s.CallsTo("+15551230002"))
	assert.Empty(t, s.Messages(), "calls are not messages")
}

func TestServerRejectsCallWithoutTwiML(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	form := callForm("+15551230001")
	form.Del("Twiml")
	resp, body := postCall(t, s, form)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.EqualValues(t, 21205, body["code"])
	assert.Empty(t, s.Calls())
}

func TestServerFailNextCallFailsOnlyCalls(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	s.FailNextCall("+15551230001", 400, 21211, "Invalid 'To' Phone Number")

	resp, _ := post(t, s, sid, token, message("+15551230001"))
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "messages are unaffected")
	resp, body := postCall(t, s, callForm("+15551230001"))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.EqualValues(t, 21211, body["code"])
	resp, _ = postCall(t, s, callForm("+15551230001"))
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestWaitCallsWakesOnArrival(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan []twiliotest.Call)
	go func() {
		got, err := s.WaitCalls(ctx, "+15551230001", 1)
		assert.NoError(t, err)
		done <- got
	}()
	post(t, s, sid, token, message("+15551230001"))
	postCall(t, s, callForm("+15551230001"))
	assert.Len(t, <-done, 1)
}

func TestWaitCallsGivesUpAtDeadline(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := s.WaitCalls(ctx, "+15551230001", 1)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, got)
}

func TestPressSignsTheGatherAction(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	postCall(t, s, callForm("+15551230001"))
	c := s.Calls()[0]

	r := s.Press(t, c, "4")
	assert.Equal(t, "/v1/twilio/voice?page=p%2F1&incident=INC-42", r.RequestURI)
	require.NoError(t, r.ParseForm())
	assert.Equal(t, "4", r.PostForm.Get("Digits"))
	assert.Equal(t, "+15550001111", r.PostForm.Get("From"), "From is our number")
	assert.Equal(t, "+15551230001", r.PostForm.Get("To"), "To is the person called")
	assert.Equal(t, c.SID, r.PostForm.Get("CallSid"))
	assert.Equal(t, twiliotest.Signature(token, "https://k.example/v1/twilio/voice?page=p%2F1&incident=INC-42", r.PostForm),
		r.Header.Get("X-Twilio-Signature"))
}

func TestStatusRequestsAreSignedForTheirCallback(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	post(t, s, sid, token, message("+15551230001"))
	postCall(t, s, callForm("+15551230001"))
	m, c := s.Messages()[0], s.Calls()[0]

	tests := []struct {
		name   string
		req    *http.Request
		target string
		want   map[string]string
	}{
		{"message", s.MessageStatus(t, m, "undelivered", 30003), m.StatusCallback,
			map[string]string{"MessageSid": m.SID, "MessageStatus": "undelivered", "ErrorCode": "30003"}},
		{"call", s.CallStatus(t, c, "no-answer", 0), c.StatusCallback,
			map[string]string{"CallSid": c.SID, "CallStatus": "no-answer", "ErrorCode": ""}},
		{"machine", s.AnsweredBy(t, c, "machine_start"), c.AsyncAmdStatusCallback,
			map[string]string{"CallSid": c.SID, "AnsweredBy": "machine_start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.req.ParseForm())
			for k, v := range tt.want {
				assert.Equal(t, v, tt.req.PostForm.Get(k), k)
			}
			assert.Equal(t, twiliotest.Signature(token, tt.target, tt.req.PostForm), tt.req.Header.Get("X-Twilio-Signature"))
		})
	}
}

func TestClientRequestReachesAServer(t *testing.T) {
	var gotURI, gotBody, gotSig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotURI, gotBody, gotSig = r.RequestURI, string(b), r.Header.Get("X-Twilio-Signature")
	}))
	defer srv.Close()
	form := url.Values{"Body": {"42a"}}
	signed := twiliotest.SignedRequest(t, token, "https://k.example", "/v1/twilio/sms?x=1", form)

	resp, err := http.DefaultClient.Do(twiliotest.ClientRequest(t, signed, srv.URL))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "/v1/twilio/sms?x=1", gotURI)
	assert.Equal(t, form.Encode(), gotBody)
	assert.Equal(t, signed.Header.Get("X-Twilio-Signature"), gotSig)
}
