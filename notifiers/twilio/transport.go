package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// rewriteTransport sends every request to target's scheme and host, under
// target's path, and binds it to ctx. twilio-go has neither a base-URL
// option nor context support; this is how both get in.
type rewriteTransport struct {
	base   http.RoundTripper
	target *url.URL
	ctx    context.Context
}

// RoundTrip rewrites a copy of req and sends it with the base transport.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(t.ctx)
	out.URL.Scheme = t.target.Scheme
	out.URL.Host = t.target.Host
	if prefix := strings.TrimRight(t.target.Path, "/"); prefix != "" {
		out.URL.Path = prefix + out.URL.Path
		out.URL.RawPath = ""
	}
	out.Host = ""
	return t.base.RoundTrip(out)
}
