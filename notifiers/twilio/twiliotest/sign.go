package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Signature returns the X-Twilio-Signature Twilio sends with a request to
// fullURL carrying the POST parameters form: the base64 HMAC-SHA1, keyed
// with authToken, of fullURL followed by every parameter's name and value
// with no separators, names sorted (and a repeated name's values sorted).
func Signature(authToken, fullURL string, form url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, v := range slices.Sorted(slices.Values(form[name])) {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedRequest returns an inbound webhook request as Twilio would send it:
// a form POST of form to path (which may carry a query), signed with
// authToken for publicURL+path. Its Host is httptest's "example.com", which
// the signature does not cover.
func SignedRequest(t testing.TB, authToken, publicURL, path string, form url.Values) *http.Request {
	t.Helper()
	if !strings.HasPrefix(path, "/") {
		t.Fatalf("twiliotest: path %q must start with /", path)
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", Signature(authToken, strings.TrimRight(publicURL, "/")+path, form))
	return r
}
