// Package twiliotest fakes the Twilio REST API on a loopback httptest server,
// so that tests in any package can send through twilio-go and assert on what
// crossed the wire, and it signs inbound webhook requests the way Twilio
// does.
package twiliotest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Message is one message the fake accepted.
type Message struct {
	To, From, Body string
	// SID is the "SM..." id the fake answered with.
	SID            string
	StatusCallback string
	// Time is when the fake accepted the message.
	Time time.Time
}

// Server is a fake Twilio REST API. It serves
// POST /2010-04-01/Accounts/{sid}/Messages.json and records every message it
// accepts. It is safe for concurrent use.
type Server struct {
	srv        *httptest.Server
	accountSID string
	authToken  string

	mu       sync.Mutex
	messages []Message
	changed  chan struct{} // closed and replaced when a message arrives
	failures map[string][]failure
}

// failure is an injected answer to the next request to one number.
type failure struct {
	drop    bool // close the connection without answering
	status  int
	code    int
	message string
}

// NewServer starts a fake Twilio API for one account on loopback; it stops
// when the test ends.
func NewServer(t testing.TB, accountSID, authToken string) *Server {
	t.Helper()
	s := &Server{
		accountSID: accountSID,
		authToken:  authToken,
		changed:    make(chan struct{}),
		failures:   make(map[string][]failure),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.createMessage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the fake's base URL, for Twilio's api_url.
func (s *Server) URL() string { return s.srv.URL }

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesTo returns the messages accepted so far for the number to.
func (s *Server) MessagesTo(to string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesTo(to)
}

// WaitMessages waits until at least n messages to the number to have been
// accepted and returns all of them. When ctx ends first it returns those
// accepted so far and an error.
func (s *Server) WaitMessages(ctx context.Context, to string, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		got, changed := s.messagesTo(to), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("wait for %d messages to %s: got %d: %w", n, to, len(got), ctx.Err())
		}
	}
}

// FailNext makes the next request to the number to fail with HTTP status
// and a Twilio error body with code and message. Calls queue up.
func (s *Server) FailNext(to string, status int, code int, message string) {
	s.addFailure(to, failure{status: status, code: code, message: message})
}

// DropNext makes the fake close the connection of the next request to the
// number to after reading it, without answering. Calls queue up with
// FailNext's.
func (s *Server) DropNext(to string) {
	s.addFailure(to, failure{drop: true})
}

func (s *Server) addFailure(to string, f failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[to] = append(s.failures[to], f)
}

// messagesTo filters the messages; s.mu must be held.
func (s *Server) messagesTo(to string) []Message {
	var out []Message
	for _, m := range s.messages {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}
