package email_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/email"
	"github.com/klaxonhq/klaxon/notifiers/email/emailtest"
)

const (
	username = "klaxon"
	password = "smtpsecretpassword42"
	from     = "klaxon@example.com"
	alice    = "alice@example.com"
)

// newPair starts a fake server in mode with credentials and returns it
// with a sender configured for it.
func newPair(t *testing.T, mode string) (*emailtest.Server, *email.Sender) {
	t.Helper()
	srv := emailtest.NewServer(t, emailtest.Options{Username: username, Password: password, TLS: mode})
	return srv, newSender(t, srv, mode, password)
}

func newSender(t *testing.T, srv *emailtest.Server, mode, pass string) *email.Sender {
	t.Helper()
	s, err := email.New(email.Config{Host: srv.Host(), Port: srv.Port(), TLS: mode,
		Username: username, Password: pass, From: "Klaxon <" + from + ">",
		Timeout: 30 * time.Second, RootCAs: srv.RootCAs()})
	require.NoError(t, err)
	return s
}

func page(to string) engine.Message {
	return engine.Message{Channel: engine.ChannelEmail, To: to, PersonID: "alice", Incident: "INC-42", Number: 42,
		PageKey: "page/INC-42/g1/r0/s1/alice/email", Subject: "INC-42 - P1 - HighErrorRate api-gw 12% errors",
		Body: "INC-42 P1 checkout: HighErrorRate\n\nService: checkout\nLabels: env=prod, région=eu\n" +
			strings.Repeat("a long line that quoted-printable must fold ", 5) + "\n"}
}

func TestSendDeliversInEveryTLSModeWithAuth(t *testing.T) {
	for _, mode := range []string{email.TLSStartTLS, email.TLSImplicit, email.TLSNone} {
		t.Run(mode, func(t *testing.T) {
			srv, s := newPair(t, mode)
			m := page(alice)

			id, retry, err := s.Send(context.Background(), m)
			require.NoError(t, err)
			assert.False(t, retry)

			got := srv.Messages()
			require.Len(t, got, 1)
			msg := got[0]
			assert.Equal(t, mode != email.TLSNone, msg.TLS, "encrypted as configured")
			assert.Equal(t, username, msg.Username)
			assert.Equal(t, from, msg.From)
			assert.Equal(t, []string{alice}, msg.To)
			assert.Equal(t, m.Subject, msg.Subject)
			assert.Equal(t, m.Body, msg.Body)
			assert.Equal(t, "<"+id+">", msg.Header.Get("Message-Id"))
			assert.Regexp(t, `^[0-9a-f]{32}\.klaxon@example\.com$`, id)
			assert.Equal(t, "INC-42", msg.Header.Get("X-Klaxon-Incident"))
			assert.Equal(t, "page/INC-42/g1/r0/s1/alice/email", msg.Header.Get("X-Klaxon-Page"))
			assert.Equal(t, "auto-generated", msg.Header.Get("Auto-Submitted"))
			assert.Contains(t, msg.Header.Get("Content-Type"), "text/plain")
			assert.Contains(t, msg.Header.Get("From"), from)
			assert.Contains(t, msg.Header.Get("To"), alice)
			assert.NotEmpty(t, msg.Header.Get("Date"))
		})
	}
}

func TestSendWithoutCredentials(t *testing.T) {
	srv := emailtest.NewServer(t, emailtest.Options{})
	s, err := email.New(email.Config{Host: srv.Host(), Port: srv.Port(), TLS: email.TLSNone, From: from})
	require.NoError(t, err)
	_, _, err = s.Send(context.Background(), page(alice))
	require.NoError(t, err)
	require.Len(t, srv.Messages(), 1)
	assert.Empty(t, srv.Messages()[0].Username)
}

func TestStartTLSIsMandatory(t *testing.T) {
	srv := emailtest.NewServer(t, emailtest.Options{Username: username, Password: password, TLS: emailtest.TLSNone})
	s := newSender(t, srv, email.TLSStartTLS, password)

	_, retry, err := s.Send(context.Background(), page(alice))
	require.Error(t, err)
	assert.False(t, retry, "a server without STARTTLS will not grow it")
	assert.Zero(t, srv.AuthAttempts(), "the password never crossed in clear")
	assert.Empty(t, srv.Messages())
}

func TestUntrustedCertificateIsPermanent(t *testing.T) {
	srv := emailtest.NewServer(t, emailtest.Options{TLS: emailtest.TLSImplicit})
	s, err := email.New(email.Config{Host: srv.Host(), Port: srv.Port(), TLS: email.TLSImplicit, From: from})
	require.NoError(t, err)

	_, retry, err := s.Send(context.Background(), page(alice))
	require.Error(t, err)
	assert.False(t, retry)
	assert.Empty(t, srv.Messages())
}

func TestWrongPasswordIsPermanent(t *testing.T) {
	srv := emailtest.NewServer(t, emailtest.Options{Username: username, Password: password, TLS: emailtest.TLSStartTLS})
	s := newSender(t, srv, email.TLSStartTLS, "notthepassword")

	_, retry, err := s.Send(context.Background(), page(alice))
	require.Error(t, err)
	assert.False(t, retry)
	assert.Contains(t, err.Error(), "535")
	assert.NotContains(t, err.Error(), "notthepassword")
	assert.Empty(t, srv.Messages())
}

func TestSMTPAnswersAreClassified(t *testing.T) {
	tests := []struct {
		name  string
		code  int
		retry bool
	}{
		{"451 local error is retried", 451, true},
		{"452 insufficient storage is retried", 452, true},
		{"421 service not available is retried", 421, true},
		{"550 mailbox unavailable is permanent", 550, false},
		{"554 transaction failed is permanent", 554, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := newPair(t, email.TLSStartTLS)
			srv.FailNext(tt.code, "injected")

			id, retry, err := s.Send(context.Background(), page(alice))
			require.Error(t, err)
			assert.Empty(t, id)
			assert.Equal(t, tt.retry, retry)
			assert.NotContains(t, err.Error(), password)
			assert.Empty(t, srv.Messages())

			_, _, err = s.Send(context.Background(), page(alice))
			require.NoError(t, err, "the failure was for one message only")
		})
	}
}

func TestUnreachableServerIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: email.TLSNone, From: from})
	require.NoError(t, err)

	_, retry, err := s.Send(context.Background(), page(alice))
	require.Error(t, err)
	assert.True(t, retry)
}

// silentServer accepts connections and never says a word.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestSilentServerTimesOutAndIsRetried(t *testing.T) {
	s, err := email.New(email.Config{Host: "127.0.0.1", Port: silentServer(t), TLS: email.TLSNone, From: from,
		Timeout: 50 * time.Millisecond})
	require.NoError(t, err)

	_, retry, err := s.Send(context.Background(), page(alice))
	require.Error(t, err)
	assert.True(t, retry)
}

func TestContextDeadlineBoundsTheDelivery(t *testing.T) {
	s, err := email.New(email.Config{Host: "127.0.0.1", Port: silentServer(t), TLS: email.TLSNone, From: from,
		Timeout: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()

	_, retry, err := s.Send(ctx, page(alice))
	require.Error(t, err)
	assert.True(t, retry)
}

func TestDoneContextSendsNothing(t *testing.T) {
	srv, s := newPair(t, email.TLSNone)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, retry, err := s.Send(ctx, page(alice))
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, retry)
	assert.Empty(t, srv.Messages())
}

func TestSendRefusesWhatIsNoEmailPage(t *testing.T) {
	srv, s := newPair(t, email.TLSNone)
	tests := map[string]engine.Message{
		"sms channel":   {Channel: engine.ChannelSMS, To: alice, Body: "x"},
		"no address":    {Channel: engine.ChannelEmail, Subject: "x", Body: "x"},
		"a bad address": {Channel: engine.ChannelEmail, To: "not an address", Subject: "x", Body: "x"},
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			_, retry, err := s.Send(context.Background(), m)
			require.Error(t, err)
			assert.False(t, retry)
		})
	}
	assert.Empty(t, srv.Messages())
}

func TestHeaderValuesCannotAddHeaders(t *testing.T) {
	srv, s := newPair(t, email.TLSNone)
	m := page(alice)
	m.Subject = "INC-42\r\nBcc: mallory@example.com"
	m.Incident = "INC-42\nX-Injected: yes"

	_, _, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	msg := srv.Messages()[0]
	assert.Empty(t, msg.Header.Get("Bcc"))
	assert.Empty(t, msg.Header.Get("X-Injected"))
	assert.Equal(t, []string{alice}, msg.To)
	assert.Equal(t, "INC-42 Bcc: mallory@example.com", msg.Subject)
}

func TestSendToMailsEveryStakeholder(t *testing.T) {
	srv, s := newPair(t, email.TLSStartTLS)
	to := []string{"payments-leads@example.com", "cto@example.com"}

	id, retry, err := s.SendTo(context.Background(), to, "INC-42 resolved", "It is over.\n")
	require.NoError(t, err)
	assert.False(t, retry)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := srv.WaitMessages(ctx, 1)
	require.NoError(t, err)
	msg := got[0]
	assert.Equal(t, to, msg.To)
	assert.Equal(t, "<"+id+">", msg.Header.Get("Message-Id"))
	assert.Equal(t, "INC-42 resolved", msg.Subject)
	assert.Equal(t, "It is over.\n", msg.Body)
	assert.Empty(t, msg.Header.Get("X-Klaxon-Page"))

	_, retry, err = s.SendTo(context.Background(), nil, "x", "y")
	require.Error(t, err)
	assert.False(t, retry)
}

func TestNewChecksConfig(t *testing.T) {
	valid := func() email.Config {
		return email.Config{Host: "smtp.example.com", Username: username, Password: password, From: from}
	}
	tests := []struct {
		name   string
		change func(*email.Config)
		field  string
	}{
		{"host is required", func(c *email.Config) { c.Host = " " }, "host"},
		{"tls mode is known", func(c *email.Config) { c.TLS = "ssl" }, "tls"},
		{"port is a port", func(c *email.Config) { c.Port = 70000 }, "port"},
		{"from is an address", func(c *email.Config) { c.From = "klaxon" }, "from"},
		{"timeout is not negative", func(c *email.Config) { c.Timeout = -time.Second }, "timeout"},
		{"a password needs a username", func(c *email.Config) { c.Username = "" }, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.change(&cfg)
			_, err := email.New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
			assert.NotContains(t, err.Error(), password)
		})
	}
	_, err := email.New(valid())
	assert.NoError(t, err)
}
