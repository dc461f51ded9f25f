package twiliotest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "tok0123456789"
)

// post sends one message request straight over HTTP.
func post(t *testing.T, s *twiliotest.Server, user, pass string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	return postResource(t, s, "Messages", user, pass, form)
}

// postResource creates one resource ("Messages", "Calls") straight over
// HTTP and returns the answer with its decoded JSON body.
func postResource(t *testing.T, s *twiliotest.Server, resource, user, pass string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/2010-04-01/Accounts/"+sid+"/"+resource+".json", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp, body
}

func message(to string) url.Values {
	return url.Values{"To": {to}, "From": {"+15550001111"}, "Body": {"hello"}, "StatusCallback": {"https://k.example/v1/twilio/status"}}
}

func TestServerAcceptsAndRecordsMessage(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	resp, body := post(t, s, sid, token, message("+15551230001"))
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "queued", body["status"])
	require.Len(t, s.Messages(), 1)
	m := s.Messages()[0]
	assert.Equal(t, body["sid"], m.SID)
	assert.Regexp(t, `^SM[0-9a-f]{32}$`, m.SID)
	assert.Equal(t, "+15551230001", m.To)
	assert.Equal(t, "+15550001111", m.From)
	assert.Equal(t, "hello", m.Body)
	assert.Equal(t, "https://k.example/v1/twilio/status", m.StatusCallback)
	assert.Empty(t, s.MessagesTo("+15551230002"))
}

func TestServerRejectsWrongCredentials(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	resp, body := post(t, s, sid, "wrong", message("+15551230001"))
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.EqualValues(t, 20003, body["code"])
	assert.Empty(t, s.Messages())
}

func TestServerRejectsMissingBody(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	form := message("+15551230001")
	form.Del("Body")
	resp, body := post(t, s, sid, token, form)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.EqualValues(t, 21602, body["code"])
}

func TestServerFailNextFailsOnceInOrder(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	s.FailNext("+15551230001", 500, 20500, "Internal Server Error")
	s.FailNext("+15551230001", 400, 21610, "Attempt to send to unsubscribed recipient")

	resp, _ := post(t, s, sid, token, message("+15551230002"))
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "other numbers are unaffected")
	resp, body := post(t, s, sid, token, message("+15551230001"))
	assert.Equal(t, 500, resp.StatusCode)
	assert.EqualValues(t, 20500, body["code"])
	resp, body = post(t, s, sid, token, message("+15551230001"))
	assert.Equal(t, 400, resp.StatusCode)
	assert.EqualValues(t, 21610, body["code"])
	assert.EqualValues(t, 400, body["status"])
	assert.Equal(t, "Attempt to send to unsubscribed recipient", body["message"])
	assert.Equal(t, "https://www.twilio.com/docs/errors/21610", body["more_info"])
	resp, _ = post(t, s, sid, token, message("+15551230001"))
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Len(t, s.MessagesTo("+15551230001"), 1)
}

func TestServerDropNextClosesConnection(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	s.DropNext("+15551230001")
	form := message("+15551230001")
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/2010-04-01/Accounts/"+sid+"/Messages.json", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sid, token)
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)
	assert.Empty(t, s.Messages())
}

func TestWaitMessagesWakesOnArrival(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan []twiliotest.Message)
	go func() {
		got, err := s.WaitMessages(ctx, "+15551230001", 2)
		assert.NoError(t, err)
		done <- got
	}()
	post(t, s, sid, token, message("+15551230001"))
	post(t, s, sid, token, message("+15551230002"))
	post(t, s, sid, token, message("+15551230001"))
	assert.Len(t, <-done, 2)
}

func TestWaitMessagesGivesUpAtDeadline(t *testing.T) {
	s := twiliotest.NewServer(t, sid, token)
	post(t, s, sid, token, message("+15551230001"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	got, err := s.WaitMessages(ctx, "+15551230001", 2)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, got, 1)
}

// TestSignatureMatchesTwiliosPublishedExample checks the signing against the
// example in Twilio's webhook security documentation.
func TestSignatureMatchesTwiliosPublishedExample(t *testing.T) {
	form := url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"},
	}
	got := twiliotest.Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form)
	assert.Equal(t, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", got)
}

func TestSignedRequestSignsPublicURLAndPath(t *testing.T) {
	form := url.Values{"From": {"+15551230001"}, "Body": {"42a"}}
	r := twiliotest.SignedRequest(t, token, "https://k.example/", "/v1/twilio/sms?x=1", form)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/v1/twilio/sms?x=1", r.RequestURI)
	assert.Equal(t, twiliotest.Signature(token, "https://k.example/v1/twilio/sms?x=1", form), r.Header.Get("X-Twilio-Signature"))
	require.NoError(t, r.ParseForm())
	assert.Equal(t, "42a", r.PostForm.Get("Body"))
}
