// Package twiliotest fakes the Twilio REST API on a loopback httptest server,
// so that tests in any package can send SMS and place calls through
// twilio-go and assert on what crossed the wire. It also builds the signed
// webhook requests Twilio would send Klaxon: inbound SMS, the keys a called
// person presses, and message and call status callbacks.
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
// POST /2010-04-01/Accounts/{sid}/Messages.json and
// POST /2010-04-01/Accounts/{sid}/Calls.json and records every message and
// call it accepts. It is safe for concurrent use.
type Server struct {
	srv        *httptest.Server
	accountSID string
	authToken  string

	mu       sync.Mutex
	messages []Message
	calls    []Call
	changed  chan struct{} // closed and replaced when a message or call arrives
	failures map[failureKey][]failure
}

// failureKey names the requests an injected failure answers: messages or
// calls to one number.
type failureKey struct {
	calls bool
	to    string
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
		failures:   make(map[failureKey][]failure),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.createMessage)
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Calls.json", s.createCall)
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
	var got []Message
	err := s.wait(ctx, func() bool {
		got = s.messagesTo(to)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d messages to %s: got %d: %w", n, to, len(got), err)
	}
	return got, nil
}

// FailNext makes the next message request to the number to fail with HTTP
// status and a Twilio error body with code and message. Failures queue up.
func (s *Server) FailNext(to string, status int, code int, message string) {
	s.addFailure(failureKey{to: to}, failure{status: status, code: code, message: message})
}

// DropNext makes the fake close the connection of the next message request
// to the number to after reading it, without answering. Failures queue up
// with FailNext's.
func (s *Server) DropNext(to string) {
	s.addFailure(failureKey{to: to}, failure{drop: true})
}

// FailNextCall is FailNext for call requests: the next call to the number
// to fails with status, code and message. It leaves messages alone.
func (s *Server) FailNextCall(to string, status int, code int, message string) {
	s.addFailure(failureKey{calls: true, to: to}, failure{status: status, code: code, message: message})
}

// DropNextCall is DropNext for call requests.
func (s *Server) DropNextCall(to string) {
	s.addFailure(failureKey{calls: true, to: to}, failure{drop: true})
}

func (s *Server) addFailure(k failureKey, f failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[k] = append(s.failures[k], f)
}

// wait waits until done, called with s.mu held, is true, waking whenever a
// message or call arrives. It returns ctx's error when ctx ends first.
func (s *Server) wait(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// wake wakes every waiter; s.mu must be held.
func (s *Server) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
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
