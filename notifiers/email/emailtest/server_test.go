package emailtest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/notifiers/email/emailtest"
)

const raw = "From: a@example.com\r\nTo: b@example.com\r\nSubject: =?UTF-8?q?r=C3=A9sum=C3=A9?=\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"caf=C3=A9 and a soft=\r\n break\r\n"

func addr(s *emailtest.Server) string {
	return net.JoinHostPort(s.Host(), strconv.Itoa(s.Port()))
}

func TestServerRecordsAndDecodesMessages(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.Options{})
	c, err := smtp.Dial(addr(s))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SendMail("a@example.com", []string{"b@example.com", "c@example.com"}, strings.NewReader(raw)))

	got, err := s.WaitMessages(context.Background(), 1)
	require.NoError(t, err)
	m := got[0]
	assert.Equal(t, "a@example.com", m.From)
	assert.Equal(t, []string{"b@example.com", "c@example.com"}, m.To)
	assert.Equal(t, "résumé", m.Subject)
	assert.Equal(t, "café and a soft break\n", m.Body)
	assert.Equal(t, raw, string(m.Raw))
	assert.False(t, m.TLS)
}

func TestServerRequiresAuthWhenConfigured(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.Options{Username: "u", Password: "p", TLS: emailtest.TLSStartTLS})
	c, err := smtp.DialStartTLS(addr(s), &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"})
	require.NoError(t, err)
	defer c.Close()

	var smtpErr *smtp.SMTPError
	require.ErrorAs(t, c.Mail("a@example.com", nil), &smtpErr)
	assert.Equal(t, 502, smtpErr.Code, "no mail before AUTH")
	require.ErrorAs(t, c.Auth(sasl.NewPlainClient("", "u", "wrong")), &smtpErr)
	assert.Equal(t, 535, smtpErr.Code)
	require.NoError(t, c.Auth(sasl.NewPlainClient("", "u", "p")))
	require.NoError(t, c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(raw)))
	m := s.Messages()[0]
	assert.True(t, m.TLS)
	assert.Equal(t, "u", m.Username)
	assert.Equal(t, 2, s.AuthAttempts())
}

func TestServerSpeaksImplicitTLS(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.Options{TLS: emailtest.TLSImplicit})
	c, err := smtp.DialTLS(addr(s), &tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(raw)))
	assert.True(t, s.Messages()[0].TLS)
}

func TestServerFailNextAnswersOneMessage(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.Options{})
	s.FailNext(451, "greylisted")
	c, err := smtp.Dial(addr(s))
	require.NoError(t, err)
	defer c.Close()

	err = c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(raw))
	var smtpErr *smtp.SMTPError
	require.True(t, errors.As(err, &smtpErr), "%v", err)
	assert.Equal(t, 451, smtpErr.Code)
	assert.Empty(t, s.Messages())
	require.NoError(t, c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader(raw)))
	assert.Len(t, s.Messages(), 1)
}

func TestWaitMessagesGivesUpWhenContextEnds(t *testing.T) {
	s := emailtest.NewServer(t, emailtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := s.WaitMessages(ctx, 1)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, got)
}
