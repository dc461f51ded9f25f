package crashtest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// gate stands between Klaxon and the fake Twilio. It passes every request
// through, except that once armed with holdNext it holds the next message
// request, as a provider that has taken a request and not yet answered,
// until the test lets it go on or drops it.
type gate struct {
	srv     *httptest.Server
	backend *url.URL
	proxy   *httputil.ReverseProxy

	mu   sync.Mutex
	next *hold // armed and not yet taken
}

// hold is one held request.
type hold struct {
	arrived chan struct{} // closed when the request is held
	verdict chan bool     // true: pass it on to Twilio; false: drop it
	once    sync.Once
}

// newGate starts a gate in front of the fake Twilio at backend; it stops
// when the test ends, after letting go of any request it still holds.
func newGate(t *testing.T, backend string) *gate {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{backend: u, proxy: httputil.NewSingleHostReverseProxy(u)}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the gate's address, for Twilio's api_url.
func (g *gate) URL() string { return g.srv.URL }

// holdNext arms the gate: the next message request is held. Drop or pass
// on the returned hold; the test's end drops it.
func (g *gate) holdNext(t *testing.T) *hold {
	h := &hold{arrived: make(chan struct{}), verdict: make(chan bool, 1)}
	g.mu.Lock()
	g.next = h
	g.mu.Unlock()
	t.Cleanup(func() { h.release(false) })
	return h
}

// waitHeld waits until the armed request is held.
func (h *hold) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-h.arrived:
	case <-time.After(readyTimeout):
		t.Fatalf("no message request reached the gate within %s", readyTimeout)
	}
}

// release lets the held request go on to Twilio (pass) or drops it.
func (h *hold) release(pass bool) {
	h.once.Do(func() { h.verdict <- pass })
}

func (g *gate) serve(w http.ResponseWriter, r *http.Request) {
	h := g.take(r)
	if h == nil {
		g.proxy.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "gate: read body", http.StatusBadRequest)
		return
	}
	close(h.arrived)
	if !<-h.verdict {
		http.Error(w, "gate: dropped", http.StatusServiceUnavailable)
		return
	}
	// The sender may be gone by now; Twilio would send the message anyway.
	resp, err := g.passOn(r, body)
	if err != nil {
		http.Error(w, "gate: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// take returns the armed hold when r is a message request, disarming it.
func (g *gate) take(r *http.Request) *hold {
	if !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.next
	g.next = nil
	return h
}

// passOn sends a held request to the fake Twilio on its own context.
func (g *gate) passOn(r *http.Request, body []byte) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	target := *g.backend
	target.Path, target.RawQuery = r.URL.Path, r.URL.RawQuery
	out, err := http.NewRequestWithContext(ctx, r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		return nil, err
	}
	// Read it all before the context ends.
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, err
}
