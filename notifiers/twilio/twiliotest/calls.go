package twiliotest

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Call is one call the fake accepted.
type Call struct {
	To, From string
	// Twiml is the inline TwiML the call would run; Url the TwiML's URL
	// when the call names one instead.
	Twiml, Url string
	// SID is the "CA..." id the fake answered with.
	SID                  string
	StatusCallback       string
	StatusCallbackEvents []string
	// MachineDetection, AsyncAmd and AsyncAmdStatusCallback are the
	// answering-machine detection parameters, as sent.
	MachineDetection       string
	AsyncAmd               string
	AsyncAmdStatusCallback string
	// Time is when the fake accepted the call.
	Time time.Time
}

// createCall serves POST /2010-04-01/Accounts/{sid}/Calls.json.
func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Unable to parse request body")
		return
	}
	f := r.PostForm
	if fail, ok := s.popFailure(failureKey{calls: true, to: f.Get("To")}); ok {
		answerFailure(w, fail)
		return
	}
	if code, msg := missingCallField(r); code != 0 {
		writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	c := s.recordCall(Call{
		To: f.Get("To"), From: f.Get("From"), Twiml: f.Get("Twiml"), Url: f.Get("Url"),
		SID:            newSID("CA"),
		StatusCallback: f.Get("StatusCallback"), StatusCallbackEvents: f["StatusCallbackEvent"],
		MachineDetection: f.Get("MachineDetection"), AsyncAmd: f.Get("AsyncAmd"),
		AsyncAmdStatusCallback: f.Get("AsyncAmdStatusCallback"),
		Time:                   time.Now(),
	})
	writeJSON(w, http.StatusCreated, s.callResource(c))
}

// missingCallField returns Twilio's error for a missing To, From, or TwiML.
func missingCallField(r *http.Request) (code int, msg string) {
	switch {
	case r.PostForm.Get("To") == "":
		return 21201, "No 'To' number is specified"
	case r.PostForm.Get("From") == "":
		return 21213, "No 'From' number is specified"
	case r.PostForm.Get("Twiml") == "" && r.PostForm.Get("Url") == "" && r.PostForm.Get("ApplicationSid") == "":
		return 21205, "Url parameter is required."
	}
	return 0, ""
}

// recordCall stores c and wakes every waiter.
func (s *Server) recordCall(c Call) Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.wake()
	return c
}

// callResource is the JSON Twilio answers a created call with.
func (s *Server) callResource(c Call) map[string]any {
	created := c.Time.UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + s.accountSID + "/Calls/" + c.SID
	return map[string]any{
		"account_sid": s.accountSID, "annotation": nil, "answered_by": nil, "api_version": "2010-04-01",
		"caller_name": nil, "date_created": created, "date_updated": created,
		"direction": "outbound-api", "duration": nil, "end_time": nil, "forwarded_from": nil,
		"from": c.From, "from_formatted": c.From, "group_sid": nil, "parent_call_sid": nil,
		"phone_number_sid": nil, "price": nil, "price_unit": "USD", "queue_time": "0",
		"sid": c.SID, "start_time": nil, "status": "queued",
		"subresource_uris": map[string]string{"notifications": uri + "/Notifications.json", "recordings": uri + "/Recordings.json"},
		"to":               c.To, "to_formatted": c.To, "trunk_sid": nil, "uri": uri + ".json",
	}
}

// Calls returns every call accepted so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls accepted so far to the number to.
func (s *Server) CallsTo(to string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsTo(to)
}

// WaitCalls waits until at least n calls to the number to have been
// accepted and returns all of them. When ctx ends first it returns those
// accepted so far and an error.
func (s *Server) WaitCalls(ctx context.Context, to string, n int) ([]Call, error) {
	var got []Call
	err := s.wait(ctx, func() bool {
		got = s.callsTo(to)
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d calls to %s: got %d: %w", n, to, len(got), err)
	}
	return got, nil
}

// callsTo filters the calls; s.mu must be held.
func (s *Server) callsTo(to string) []Call {
	var out []Call
	for _, c := range s.calls {
		if c.To == to {
			out = append(out, c)
		}
	}
	return out
}
