package twilio_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "primarysecrettoken0123456789"
	secondary  = "secondarysecrettoken987654321"
	publicURL  = "https://klaxon.example.com"
	alice      = "+15551230001"
)

// newSender returns a Sender that talks to apiURL with two sender numbers,
// each allowed so many sends a second that no test waits for one.
func newSender(t *testing.T, apiURL string, timeout time.Duration) *twilio.Sender {
	t.Helper()
	s, err := twilio.New(twilio.Config{
		AccountSID:        accountSID,
		AuthToken:         authToken,
		From:              []string{"+15550001111", "+15550002222"},
		APIURL:            apiURL,
		PublicURL:         publicURL + "/",
		Timeout:           timeout,
		MessagesPerSecond: 1e6,
	})
	require.NoError(t, err)
	return s
}

func sms(to, body string) engine.Message {
	return engine.Message{Channel: engine.ChannelSMS, To: to, PersonID: "alice", Incident: "INC-42", Body: body}
}

func TestSendSMSReachesTwilioWithEveryField(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)

	id, retry, err := s.Send(context.Background(), sms(alice, "INC-42 P1 checkout: HighErrorRate"))
	require.NoError(t, err)
	assert.False(t, retry)

	got := fake.MessagesTo(alice)
	require.Len(t, got, 1)
	assert.Equal(t, got[0].SID, id)
	assert.Equal(t, "INC-42 P1 checkout: HighErrorRate", got[0].Body)
	assert.Equal(t, "+15550001111", got[0].From)
	assert.Equal(t, publicURL+"/v1/twilio/status", got[0].StatusCallback)
}

func TestSendUsesFromNumbersInTurn(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	for range 3 {
		_, _, err := s.Send(context.Background(), sms(alice, "page"))
		require.NoError(t, err)
	}
	var from []string
	for _, m := range fake.Messages() {
		from = append(from, m.From)
	}
	assert.Equal(t, []string{"+15550001111", "+15550002222", "+15550001111"}, from)
}

// TestSendRewritesAPIURL checks that requests go to api_url's scheme and
// host, under its path, and never to api.twilio.com.
func TestSendRewritesAPIURL(t *testing.T) {
	var gotPath, gotHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotHost = r.URL.Path, r.Host
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid":"SM1","status":"queued"}`)
	}))
	defer srv.Close()
	s := newSender(t, srv.URL+"/compat/", 0)

	id, _, err := s.Send(context.Background(), sms(alice, "page"))
	require.NoError(t, err)
	assert.Equal(t, "SM1", id)
	assert.Equal(t, "/compat/2010-04-01/Accounts/"+accountSID+"/Messages.json", gotPath)
	assert.Equal(t, strings.TrimPrefix(srv.URL, "http://"), gotHost)
}

func TestSendClassifiesTwilioErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   int
		retry  bool
	}{
		{"server error is retried", 500, 20500, true},
		{"bad gateway is retried", 503, 20503, true},
		{"rate limit status is retried", 429, 20429, true},
		{"rate limit code is retried", 400, 20429, true},
		{"full sender queue is retried", 400, 21611, true},
		{"unsubscribed (STOP) is permanent", 400, 21610, false},
		{"invalid number is permanent", 400, 21211, false},
		{"not a mobile number is permanent", 400, 21614, false},
		{"region not enabled is permanent", 400, 21408, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := twiliotest.NewServer(t, accountSID, authToken)
			fake.FailNext(alice, tt.status, tt.code, "injected")
			s := newSender(t, fake.URL(), 0)

			id, retry, err := s.Send(context.Background(), sms(alice, "page"))
			require.Error(t, err)
			assert.Empty(t, id)
			assert.Equal(t, tt.retry, retry)
			var apiErr *twilio.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.Equal(t, tt.status, apiErr.Status)
			assert.NotContains(t, err.Error(), authToken)
		})
	}
}

func TestSendRetriesClosedConnection(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	fake.DropNext(alice)
	s := newSender(t, fake.URL(), 0)

	_, retry, err := s.Send(context.Background(), sms(alice, "page"))
	require.Error(t, err)
	assert.True(t, retry)
	assert.NotContains(t, err.Error(), authToken)

	_, _, err = s.Send(context.Background(), sms(alice, "page"))
	require.NoError(t, err, "the next attempt goes through")
}

func TestSendRetriesAnswerThatIsNoTwilioError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>bad gateway</html>")
	}))
	defer srv.Close()
	s := newSender(t, srv.URL, 0)

	_, retry, err := s.Send(context.Background(), sms(alice, "page"))
	require.Error(t, err)
	assert.True(t, retry)
}

// hangingServer accepts requests and never answers until the client goes.
func hangingServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leave
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSendTimesOutAndRetries(t *testing.T) {
	s := newSender(t, hangingServer(t).URL, 50*time.Millisecond)

	start := time.Now()
	_, retry, err := s.Send(context.Background(), sms(alice, "page"))
	require.Error(t, err)
	assert.True(t, retry)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestSendStopsWhenContextIsCanceled(t *testing.T) {
	s := newSender(t, hangingServer(t).URL, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)

	_, retry, err := s.Send(ctx, sms(alice, "page"))
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, retry)
}

func TestSendDoesNotSendWithDoneContext(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, retry, err := s.Send(ctx, sms(alice, "page"))
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, retry)
	assert.Empty(t, fake.Messages())
}

func TestSendRefusesOtherChannels(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	m := sms("alice@example.com", "page")
	m.Channel = engine.ChannelEmail

	_, retry, err := s.Send(context.Background(), m)
	require.Error(t, err)
	assert.False(t, retry)
	assert.Empty(t, fake.Messages())
	assert.Empty(t, fake.Calls())
}

func TestSendWithWrongTokenIsPermanent(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, "someothertoken")
	s := newSender(t, fake.URL(), 0)

	_, retry, err := s.Send(context.Background(), sms(alice, "page"))
	require.Error(t, err)
	assert.False(t, retry)
	assert.NotContains(t, err.Error(), authToken)
}

func TestNewChecksConfig(t *testing.T) {
	valid := func() twilio.Config {
		return twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: []string{"+15550001111"}, PublicURL: publicURL}
	}
	tests := []struct {
		name   string
		change func(*twilio.Config)
		field  string
	}{
		{"account sid is required", func(c *twilio.Config) { c.AccountSID = "" }, "account_sid"},
		{"auth token is required", func(c *twilio.Config) { c.AuthToken = "" }, "auth_token"},
		{"auth token must be alphanumeric", func(c *twilio.Config) { c.AuthToken = authToken + "/x" }, "auth_token"},
		{"a from number is required", func(c *twilio.Config) { c.From = nil }, "from"},
		{"from numbers are not empty", func(c *twilio.Config) { c.From = []string{"+1555", " "} }, "from[1]"},
		{"public url is required", func(c *twilio.Config) { c.PublicURL = "" }, "public_url"},
		{"public url is absolute", func(c *twilio.Config) { c.PublicURL = "/klaxon" }, "public_url"},
		{"api url is http", func(c *twilio.Config) { c.APIURL = "ftp://api.example.com" }, "api_url"},
		{"api url carries no credentials", func(c *twilio.Config) { c.APIURL = "https://u:" + authToken + "@api.example.com" }, "api_url"},
		{"timeout is not negative", func(c *twilio.Config) { c.Timeout = -time.Second }, "timeout"},
		{"rate is not negative", func(c *twilio.Config) { c.MessagesPerSecond = -1 }, "messages_per_second"},
		{"rate is a number", func(c *twilio.Config) { c.MessagesPerSecond = math.NaN() }, "messages_per_second"},
		{"rate is finite", func(c *twilio.Config) { c.MessagesPerSecond = math.Inf(1) }, "messages_per_second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			_, err := twilio.New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
			assert.NotContains(t, err.Error(), authToken)
		})
	}
	_, err := twilio.New(valid())
	assert.NoError(t, err)
}

func TestAPIErrorTemporary(t *testing.T) {
	err := error(&twilio.APIError{Status: 400, Code: 21610, Message: "unsubscribed"})
	var apiErr *twilio.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.False(t, apiErr.Temporary())
	assert.Equal(t, "api status 400 code 21610: unsubscribed", err.Error())
}
