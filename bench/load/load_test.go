package load_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/bench/load"
)

// recorder is a target that counts what it receives and answers with status.
type recorder struct {
	status   int
	requests atomic.Int64
	mu       sync.Mutex
	bodies   map[string]bool
	auth     map[string]bool
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.requests.Add(1)
	r.mu.Lock()
	r.bodies[string(body)] = true
	r.auth[req.Header.Get("Authorization")] = true
	r.mu.Unlock()
	w.WriteHeader(r.status)
}

func newTarget(t *testing.T, status int) (*recorder, string) {
	t.Helper()
	r := &recorder{status: status, bodies: map[string]bool{}, auth: map[string]bool{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func body(i int) []byte { return []byte{byte('a' + i%26), byte('a' + i/26%26)} }

func TestRunSendsTheBoundedCountAsFastAsItCan(t *testing.T) {
	target, url := newTarget(t, http.StatusOK)
	res, err := load.Run(context.Background(), load.Config{URL: url, Body: body, Connections: 4,
		MaxRequests: 100, Duration: time.Minute, Header: http.Header{"Authorization": {"Bearer t"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 100 || res.Sent != 100 || res.Errors != 0 || len(res.Latencies) != 100 {
		t.Fatalf("want 100 requests answered ok, got %+v", res)
	}
	if got := target.requests.Load(); got != 100 {
		t.Fatalf("target received %d requests, want 100", got)
	}
	if len(target.bodies) != 100 || !target.auth["Bearer t"] || len(target.auth) != 1 {
		t.Fatalf("bodies %d (want 100 distinct), auth %v", len(target.bodies), target.auth)
	}
	if res.Percentile(0.5) > res.Max() || res.PerSecond() <= 0 {
		t.Fatalf("inconsistent figures: %s", res)
	}
}

func TestRunAtAFixedRateCallsSentForEachRequest(t *testing.T) {
	_, url := newTarget(t, http.StatusOK)
	var mu sync.Mutex
	sent := map[int]bool{}
	res, err := load.Run(context.Background(), load.Config{URL: url, Body: body, Connections: 2, Rate: 1000,
		MaxRequests: 30, Duration: time.Minute,
		Sent: func(i int, _ time.Time) { mu.Lock(); sent[i] = true; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 30 || len(sent) != 30 {
		t.Fatalf("want 30 requests each reported sent, got %d ok, %d sent", res.OK, len(sent))
	}
}

func TestRunCountsAnswersOtherThan2xxAsErrors(t *testing.T) {
	_, url := newTarget(t, http.StatusServiceUnavailable)
	res, err := load.Run(context.Background(), load.Config{URL: url, Body: body, MaxRequests: 10, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors != 10 || res.Statuses[http.StatusServiceUnavailable] != 10 || res.FirstError == "" {
		t.Fatalf("want 10 errors of 503, got %+v", res)
	}
}

func TestRunStopsWhenItsDurationEnds(t *testing.T) {
	_, url := newTarget(t, http.StatusOK)
	start := time.Now()
	res, err := load.Run(context.Background(), load.Config{URL: url, Body: body, Rate: 100,
		MaxRequests: 1_000_000, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second || res.OK >= 1_000_000 {
		t.Fatalf("did not stop at its duration: %s", res)
	}
}

func TestRunRefusesAConfigWithoutTarget(t *testing.T) {
	if _, err := load.Run(context.Background(), load.Config{}); err == nil {
		t.Fatal("want an error for a config without URL and Body")
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 5}, {0.99, 10}, {1, 10}, {0.1, 1}, {0, 1}} {
		if got := load.Percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if load.Percentile(nil, 0.5) != 0 {
		t.Error("empty percentile should be 0")
	}
}

// oneAnswerPerConnection is a target that answers one request per
// connection and then closes it without saying so, as a server closing an
// idle keep-alive connection does. It counts the connections it accepted.
func oneAnswerPerConnection(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/alerts", &accepted
}

func TestRunSendsAgainOnANewConnectionWhenTheServerClosedTheOldOne(t *testing.T) {
	url, accepted := oneAnswerPerConnection(t)
	res, err := load.Run(context.Background(), load.Config{URL: url, Body: body, Connections: 1,
		MaxRequests: 5, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 5 || res.Errors != 0 || res.Statuses[http.StatusAccepted] != 5 {
		t.Fatalf("want 5 requests answered 202, got %+v", res)
	}
	if got := accepted.Load(); got != 5 {
		t.Fatalf("server accepted %d connections, want one per request (5)", got)
	}
}

func TestRunReadsChunkedAnswersAndKeepsTheConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "part one;")
		w.(http.Flusher).Flush() // the rest goes chunked
		_, _ = io.WriteString(w, "part two")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	res, err := load.Run(context.Background(), load.Config{URL: srv.URL, Body: body, Connections: 2,
		MaxRequests: 20, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 20 || res.Errors != 0 {
		t.Fatalf("want 20 requests answered ok, got %+v", res)
	}
	// A worker dials when it sends its first request, and one may find the
	// 20 all taken before it starts: one connection or two, never one a
	// request.
	if got := conns.Load(); got < 1 || got > 2 {
		t.Fatalf("server saw %d connections, want each worker's kept alive (at most 2)", got)
	}
}

func TestRunCutsARequestInFlightShortWhenItsContextEnds(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	res, err := load.Run(ctx, load.Config{URL: srv.URL, Body: body, Connections: 1,
		MaxRequests: 1, Duration: time.Hour, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors != 1 {
		t.Fatalf("want the one request failed by the cancel, got %+v", res)
	}
}

func TestRunRefusesAURLItCannotPost(t *testing.T) {
	for _, u := range []string{"https://127.0.0.1/alerts", "127.0.0.1:80/alerts", "http://%zz"} {
		if _, err := load.Run(context.Background(), load.Config{URL: u, Body: body}); err == nil {
			t.Errorf("want an error for URL %q", u)
		}
	}
}
