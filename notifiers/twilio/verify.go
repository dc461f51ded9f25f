package twilio

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilio/twilio-go/client"
)

// SignatureHeader is the header Twilio signs its webhook requests with.
const SignatureHeader = "X-Twilio-Signature"

// Verifier checks the X-Twilio-Signature of inbound webhooks against the
// public URL Twilio was given, never the request's Host header.
type Verifier struct {
	publicURL  string
	validators []client.RequestValidator
}

// NewVerifier returns a Verifier for webhooks to publicURL signed with
// authToken or, during a token rotation, with the optional secondary token.
func NewVerifier(publicURL, authToken, authTokenSecondary string) (*Verifier, error) {
	public, err := parseBaseURL("public_url", publicURL)
	if err != nil {
		return nil, err
	}
	if authToken == "" {
		return nil, errors.New("twilio auth_token: required")
	}
	v := &Verifier{publicURL: public.String()}
	for _, token := range []string{authToken, authTokenSecondary} {
		if token != "" {
			v.validators = append(v.validators, client.NewRequestValidator(token))
		}
	}
	return v, nil
}

// Valid reports whether r carries a signature of Twilio's over the public
// URL, r's path and raw query, and form, the request's POST parameters
// (r.PostForm after r.ParseForm). Only the first value of each parameter is
// signed over, as twilio-go does; Twilio sends none twice.
func (v *Verifier) Valid(r *http.Request, form url.Values) bool {
	signature := r.Header.Get(SignatureHeader)
	if signature == "" {
		return false
	}
	u := v.publicURL + requestURI(r)
	params := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	for _, rv := range v.validators {
		if rv.Validate(u, params, signature) {
			return true
		}
	}
	return false
}

// requestURI returns r's path and query as the client sent them, unchanged
// by any http.StripPrefix on the way.
func requestURI(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// signedForm reads a webhook's POST form and checks its signature. When
// either fails it answers the request (405, 400, 413 or 403, as JSON) and
// returns false; a bad signature is logged as what, for which webhook.
func (v *Verifier) signedForm(w http.ResponseWriter, r *http.Request, log *slog.Logger, what string) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method must be POST")
		return nil, false
	}
	form, status, msg := readForm(w, r)
	if status != 0 {
		writeError(w, status, msg)
		return nil, false
	}
	if !v.Valid(r, form) {
		log.WarnContext(r.Context(), "twilio "+what+": bad signature", "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, "missing or invalid "+SignatureHeader)
		return nil, false
	}
	return form, true
}
