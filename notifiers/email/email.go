// Package email owns Klaxon's mail edge: it sends email pages (as an
// engine.Notifier) and stakeholder mail through an SMTP server with
// github.com/wneessen/go-mail, over STARTTLS, implicit TLS or a plain
// connection, authenticating when a username is configured.
//
// go-mail types stop here: callers see engine types, this package's Config
// and Sender, and plain errors that never quote the password.
package email

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/klaxonhq/klaxon/engine"
)

// The TLS modes of Config.TLS.
const (
	// TLSStartTLS upgrades the connection with STARTTLS before anything
	// else is said, and refuses a server that does not offer it.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts: for a relay on the same host or network.
	TLSNone = "none"
)

// defaultPorts is the usual port of each TLS mode.
var defaultPorts = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}

// DefaultTimeout bounds one delivery (connect, TLS, auth and the message)
// when Config.Timeout is zero.
const DefaultTimeout = 15 * time.Second

// Headers Klaxon adds to every email page.
const (
	HeaderIncident = "X-Klaxon-Incident"
	HeaderPage     = "X-Klaxon-Page"
)

// Config is the SMTP server and how to reach it.
type Config struct {
	Host string
	// Port defaults to the usual port of the TLS mode: 587, 465 or 25.
	Port int
	// TLS is TLSStartTLS (the default when empty), TLSImplicit or TLSNone.
	TLS string
	// Username, when set, makes the sender authenticate with Password
	// (PLAIN or LOGIN, as the server offers). With TLSNone the password
	// crosses the network in clear.
	Username string
	Password string
	// From is the sender address, "klaxon@example.com" or
	// "Klaxon <klaxon@example.com>".
	From string
	// Timeout bounds one delivery; zero means DefaultTimeout.
	Timeout time.Duration
	// RootCAs verifies the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
}

// Sender sends mail through one SMTP server, a new connection per message.
// It is an engine.Notifier for engine.ChannelEmail and is safe for
// concurrent use.
type Sender struct {
	host     string
	port     int
	mode     string
	username string
	password string
	from     *mail.Address
	timeout  time.Duration
	tls      *tls.Config
}

var _ engine.Notifier = (*Sender)(nil)

// New checks cfg and returns a Sender for it. Errors never quote the
// password.
func New(cfg Config) (*Sender, error) {
	mode := cmp.Or(cfg.TLS, TLSStartTLS)
	if _, ok := defaultPorts[mode]; !ok {
		return nil, fmt.Errorf("smtp tls: %q is not one of starttls, tls, none", cfg.TLS)
	}
	port := cmp.Or(cfg.Port, defaultPorts[mode])
	switch {
	case strings.TrimSpace(cfg.Host) == "":
		return nil, errors.New("smtp host: required")
	case port < 1 || port > 65535:
		return nil, fmt.Errorf("smtp port: %d is not a TCP port", cfg.Port)
	case cfg.Timeout < 0:
		return nil, errors.New("smtp timeout: must not be negative")
	case cfg.Password != "" && cfg.Username == "":
		return nil, errors.New("smtp username: required with a password")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp from: %w", err)
	}
	return &Sender{
		host: cfg.Host, port: port, mode: mode,
		username: cfg.Username, password: cfg.Password,
		from:    from,
		timeout: cmp.Or(cfg.Timeout, DefaultTimeout),
		tls:     &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
	}, nil
}

// Send sends an email page: to m.To, subject m.Subject, plain-text body
// m.Body, with the headers X-Klaxon-Incident and X-Klaxon-Page. It returns
// the message's Message-ID, without angle brackets. SMTP 4xx answers and
// network errors and timeouts are worth retrying (retry=true); 5xx answers,
// a bad address and a misconfigured server (no STARTTLS, no AUTH, an
// untrusted certificate) are not.
func (s *Sender) Send(ctx context.Context, m engine.Message) (providerID string, retry bool, err error) {
	if m.Channel != engine.ChannelEmail {
		return "", false, fmt.Errorf("smtp send: channel %q not supported", m.Channel)
	}
	if m.To == "" {
		return "", false, errors.New("smtp send: message has no to address")
	}
	extra := map[string]string{HeaderIncident: m.Incident, HeaderPage: m.PageKey}
	return s.send(ctx, []string{m.To}, m.Subject, m.Body, extra)
}

// SendTo sends one plain-text message to every address in to, for mail
// that is no page (stakeholder updates). It returns the Message-ID and
// classifies errors as Send does.
func (s *Sender) SendTo(ctx context.Context, to []string, subject, body string) (messageID string, retry bool, err error) {
	if len(to) == 0 {
		return "", false, errors.New("smtp send: no recipients")
	}
	return s.send(ctx, to, subject, body, nil)
}

// send builds the message and delivers it.
func (s *Sender) send(ctx context.Context, to []string, subject, body string, extra map[string]string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", true, fmt.Errorf("smtp send: %w", err)
	}
	msg, id, err := s.message(to, subject, body, extra)
	if err != nil {
		return "", false, fmt.Errorf("smtp send: %w", err)
	}
	if err := s.deliver(ctx, msg); err != nil {
		return "", retryable(err), fmt.Errorf("smtp send to %s:%d: %w", s.host, s.port, err)
	}
	return id, false, nil
}

// message builds the mail and returns it with its Message-ID.
func (s *Sender) message(to []string, subject, body string, extra map[string]string) (*gomail.Msg, string, error) {
	msg := gomail.NewMsg()
	msg.SetUserAgent("Klaxon")
	if err := msg.From(s.from.String()); err != nil {
		return nil, "", fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(to...); err != nil {
		return nil, "", fmt.Errorf("to address: %w", err)
	}
	id := s.messageID()
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	msg.Subject(oneLine(subject))
	// Out-of-office and other robots must not answer a page (RFC 3834).
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	for name, value := range extra {
		if value != "" {
			msg.SetGenHeader(gomail.Header(name), oneLine(value))
		}
	}
	msg.SetBodyString(gomail.TypeTextPlain, body)
	return msg, id, nil
}

// messageID returns a fresh Message-ID, without angle brackets, in the
// sender address's domain.
func (s *Sender) messageID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	return hex.EncodeToString(b) + ".klaxon@" + domain
}

// oneLine keeps a header value on one line, so that no text can add
// headers of its own.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
}
