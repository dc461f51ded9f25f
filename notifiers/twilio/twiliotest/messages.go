package twiliotest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// createMessage serves POST /2010-04-01/Accounts/{sid}/Messages.json.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Unable to parse request body")
		return
	}
	to := r.PostForm.Get("To")
	if f, ok := s.popFailure(failureKey{to: to}); ok {
		answerFailure(w, f)
		return
	}
	if code, msg := missingField(r); code != 0 {
		writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	m := s.record(Message{
		To:             to,
		From:           r.PostForm.Get("From"),
		Body:           r.PostForm.Get("Body"),
		SID:            newSID("SM"),
		StatusCallback: r.PostForm.Get("StatusCallback"),
		Time:           time.Now(),
	})
	writeJSON(w, http.StatusCreated, s.messageResource(m))
}

// authorized checks the account in the path and the basic auth credentials.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && r.PathValue("sid") == s.accountSID &&
		subtle.ConstantTimeCompare([]byte(user), []byte(s.accountSID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.authToken)) == 1
}

// missingField returns Twilio's error for a missing To, From or Body.
func missingField(r *http.Request) (code int, msg string) {
	switch {
	case r.PostForm.Get("To") == "":
		return 21604, "A 'To' phone number is required."
	case r.PostForm.Get("From") == "":
		return 21603, "A 'From' phone number is required."
	case r.PostForm.Get("Body") == "":
		return 21602, "Message body is required."
	}
	return 0, ""
}

// popFailure takes the next injected failure for k.
func (s *Server) popFailure(k failureKey) (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[k]
	if len(q) == 0 {
		return failure{}, false
	}
	s.failures[k] = q[1:]
	return q[0], true
}

// answerFailure answers with an injected failure.
func answerFailure(w http.ResponseWriter, f failure) {
	if !f.drop {
		writeError(w, f.status, f.code, f.message)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("twiliotest: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// record stores m and wakes every WaitMessages.
func (s *Server) record(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	s.wake()
	return m
}

// messageResource is the JSON Twilio answers a created message with.
func (s *Server) messageResource(m Message) map[string]any {
	created := m.Time.UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + s.accountSID + "/Messages/" + m.SID
	return map[string]any{
		"account_sid": s.accountSID, "api_version": "2010-04-01",
		"body": m.Body, "date_created": created, "date_updated": created, "date_sent": nil,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": m.From, "to": m.To, "messaging_service_sid": nil,
		"num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD",
		"sid": m.SID, "status": "queued",
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
		"uri":              uri + ".json",
	}
}

// newSID returns a fresh SID: prefix ("SM" for a message, "CA" for a
// call) and 32 hex digits.
func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return prefix + hex.EncodeToString(b)
}

// writeError answers with a Twilio-style JSON error.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		"status":    status,
	})
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
