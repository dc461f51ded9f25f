package twiliotest

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// GatherAction returns the action URL of the first <Gather> in a TwiML
// document.
func GatherAction(twiml string) (string, error) {
	var doc struct {
		Gathers []struct {
			Action string `xml:"action,attr"`
		} `xml:"Gather"`
	}
	if err := xml.Unmarshal([]byte(twiml), &doc); err != nil {
		return "", err
	}
	if len(doc.Gathers) == 0 || doc.Gathers[0].Action == "" {
		return "", errors.New("twiml has no gather with an action")
	}
	return doc.Gathers[0].Action, nil
}

// Press acts as the person on the phone of call c: it returns the signed
// request Twilio posts to the action of the first <Gather> in c's TwiML
// when digits are pressed ("" for none). Send it to Klaxon as it is
// (handler.ServeHTTP) or through ClientRequest.
func (s *Server) Press(t testing.TB, c Call, digits string) *http.Request {
	t.Helper()
	return s.PressIn(t, c, c.Twiml, digits)
}

// PressIn is Press for a later TwiML document of the same call, such as
// Klaxon's answer to an earlier key.
func (s *Server) PressIn(t testing.TB, c Call, twiml, digits string) *http.Request {
	t.Helper()
	action, err := GatherAction(twiml)
	if err != nil {
		t.Fatalf("twiliotest: press %q on the call to %s: %v", digits, c.To, err)
	}
	form := s.callForm(c, "in-progress")
	form.Set("Digits", digits)
	if digits == "" {
		form.Set("FinishedOnKey", "#")
	}
	return s.SignedTo(t, action, form)
}

// MessageStatus returns the signed status callback Twilio posts for message
// m reaching status ("sent", "delivered", "undelivered", "failed"), with
// errorCode when it is not 0.
func (s *Server) MessageStatus(t testing.TB, m Message, status string, errorCode int) *http.Request {
	t.Helper()
	form := url.Values{
		"AccountSid": {s.accountSID}, "ApiVersion": {"2010-04-01"},
		"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
		"From": {m.From}, "To": {m.To},
	}
	setErrorCode(form, errorCode)
	return s.SignedTo(t, m.StatusCallback, form)
}

// CallStatus returns the signed status callback Twilio posts for call c
// reaching status ("in-progress", "completed", "busy", "no-answer",
// "failed", "canceled"), with errorCode when it is not 0.
func (s *Server) CallStatus(t testing.TB, c Call, status string, errorCode int) *http.Request {
	t.Helper()
	form := s.callForm(c, status)
	if status == "completed" {
		form.Set("CallDuration", "30")
	}
	setErrorCode(form, errorCode)
	return s.SignedTo(t, c.StatusCallback, form)
}

// AnsweredBy returns the signed answering-machine verdict Twilio posts
// for call c ("human", "machine_start", "machine_end_beep", "fax",
// "unknown"...) to its AsyncAmdStatusCallback.
func (s *Server) AnsweredBy(t testing.TB, c Call, verdict string) *http.Request {
	t.Helper()
	form := url.Values{
		"AccountSid": {s.accountSID}, "CallSid": {c.SID},
		"AnsweredBy": {verdict}, "MachineDetectionDuration": {"2500"},
	}
	return s.SignedTo(t, c.AsyncAmdStatusCallback, form)
}

// SignedTo returns a form POST of form to the absolute URL target, signed
// with the fake's auth token over target exactly as written, as Twilio
// signs its webhooks. Its RequestURI is target's path and query, so it
// suits a handler mounted at the root of the public URL.
func (s *Server) SignedTo(t testing.TB, target string, form url.Values) *http.Request {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		t.Fatalf("twiliotest: %q is not an absolute URL", target)
	}
	path := strings.TrimPrefix(target, u.Scheme+"://"+u.Host)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", Signature(s.authToken, target, form))
	return r
}

// ClientRequest turns a signed webhook request (from SignedRequest, Press,
// MessageStatus...) into one an http.Client can send to the server at
// baseURL, keeping its path, query, body and signature.
func ClientRequest(t testing.TB, r *http.Request, baseURL string) *http.Request {
	t.Helper()
	target, err := url.Parse(strings.TrimRight(baseURL, "/") + r.RequestURI)
	if err != nil {
		t.Fatalf("twiliotest: base URL %q: %v", baseURL, err)
	}
	out := r.Clone(r.Context())
	out.URL, out.Host, out.RequestURI = target, target.Host, ""
	return out
}

// callForm is the parameters Twilio posts about call c in status.
func (s *Server) callForm(c Call, status string) url.Values {
	return url.Values{
		"AccountSid": {s.accountSID}, "ApiVersion": {"2010-04-01"},
		"CallSid": {c.SID}, "CallStatus": {status}, "Direction": {"outbound-api"},
		"From": {c.From}, "Caller": {c.From}, "To": {c.To}, "Called": {c.To},
	}
}

// setErrorCode adds Twilio's ErrorCode parameter when code is not 0.
func setErrorCode(form url.Values, code int) {
	if code != 0 {
		form.Set("ErrorCode", strconv.Itoa(code))
	}
}
