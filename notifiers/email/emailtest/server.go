// Package emailtest runs a local SMTP server on loopback, built with
// github.com/emersion/go-smtp, that records every message it accepts, so
// that tests in any package can send through a real mail client and assert
// on what crossed the wire. It offers AUTH PLAIN, STARTTLS and implicit TLS
// with a certificate made for the test, and fails messages on request.
package emailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// The TLS modes of Options.TLS.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Options configures a Server.
type Options struct {
	// Username and Password, when Username is set, make the server offer
	// AUTH PLAIN (over TLS only, unless TLS is none) and refuse mail from
	// a client that has not authenticated with them.
	Username, Password string
	// TLS is TLSNone (the default), TLSStartTLS or TLSImplicit.
	TLS string
}

// Server is a fake SMTP server. It is safe for concurrent use.
type Server struct {
	opts Options
	srv  *smtp.Server
	addr *net.TCPAddr
	pool *x509.CertPool

	mu       sync.Mutex
	messages []Message
	changed  chan struct{} // closed and replaced when a message arrives
	failures []*smtp.SMTPError
	auths    int
}

// NewServer starts a fake SMTP server on 127.0.0.1; it stops when the test
// ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.TLS == "" {
		opts.TLS = TLSNone
	}
	if opts.TLS != TLSNone && opts.TLS != TLSStartTLS && opts.TLS != TLSImplicit {
		t.Fatalf("emailtest: unknown TLS mode %q", opts.TLS)
	}
	cert, pool := newCertificate(t)
	s := &Server{opts: opts, pool: pool, changed: make(chan struct{})}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.AllowInsecureAuth = opts.TLS == TLSNone
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if opts.TLS != TLSNone {
		s.srv.TLSConfig = tlsConfig
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("emailtest: listen: %v", err)
	}
	s.addr = l.Addr().(*net.TCPAddr)
	if opts.TLS == TLSImplicit {
		l = tls.NewListener(l, tlsConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		_ = l.Close() // Serve may not have registered l with the server yet
		<-done
	})
	return s
}

// Host returns the address the server listens on, "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// RootCAs returns a pool that trusts the server's certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.pool }

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitMessages waits until at least n messages have been accepted and
// returns all of them. When ctx ends first it returns those accepted so far
// and an error.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		got, changed := append([]Message(nil), s.messages...), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("wait for %d messages: got %d: %w", n, len(got), ctx.Err())
		}
	}
}

// FailNext makes the server answer the next message's data with the SMTP
// code (451 to defer it, 550 or 554 to refuse it) and text, and not keep
// it. Failures queue up.
func (s *Server) FailNext(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text})
}

// AuthAttempts returns how many times a client has tried to authenticate.
func (s *Server) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{server: s, conn: c}, nil
}

// popFailure takes the next injected failure, or nil.
func (s *Server) popFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return nil
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	return f
}

// record stores m and wakes every WaitMessages.
func (s *Server) record(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
}

// checkAuth counts an attempt and checks the credentials.
func (s *Server) checkAuth(username, password string) error {
	s.mu.Lock()
	s.auths++
	s.mu.Unlock()
	if username != s.opts.Username || password != s.opts.Password {
		return smtp.ErrAuthFailed
	}
	return nil
}

// errNotParsable refuses a message that is not an RFC 5322 message.
var errNotParsable = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message not parsable"}
