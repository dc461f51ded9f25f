// Package httpapi is Klaxon's HTTP interface: alert webhooks, Twilio's
// inbound webhooks, the operator API, health checks and metrics. It checks
// tokens and sizes, hands bodies to the receivers and the engine, and turns
// every outcome into a deliberate JSON answer.
package httpapi

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/klaxonhq/klaxon/engine"
)

// Integration is a configured alert source: the token it presents and the
// service for alerts that name none.
type Integration struct {
	Name, Type, Token, Service string
}

// Options configure the HTTP interface.
type Options struct {
	Engine *engine.Engine
	// Integrations are the alert sources accepted until SetTokens.
	Integrations []Integration
	// APITokens are the bearer tokens accepted on the operator API until
	// SetTokens.
	APITokens []string
	// Twilio handles Twilio's webhooks; nil when Twilio is not configured.
	Twilio   *TwilioWebhooks
	Gatherer prometheus.Gatherer
	// Registerer takes this package's metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// MaxBody bounds a webhook body (default 1 MiB).
	MaxBody int64
	// MaxIngests bounds the webhooks being stored at once (default 64); a
	// webhook that finds no room within IngestWait (default 1s) is answered
	// 503 (429 for PagerDuty's API) with Retry-After, so that a slow store
	// pushes back on senders instead of buffering without bound.
	MaxIngests int
	IngestWait time.Duration
}

// TwilioWebhooks are the handlers of Twilio's signed webhooks.
type TwilioWebhooks struct {
	SMS, Voice, Status http.Handler
}

// Server routes Klaxon's HTTP requests.
type Server struct {
	opts       Options
	ingests    chan struct{}
	tokens     atomic.Pointer[tokens]
	log        *slog.Logger
	rejected   *prometheus.CounterVec
	overloaded prometheus.Counter
	mux        *http.ServeMux
}

// New builds the HTTP interface.
func New(opts Options) *Server {
	opts.MaxBody = cmp.Or(opts.MaxBody, 1<<20)
	opts.IngestWait = cmp.Or(opts.IngestWait, time.Second)
	s := &Server{
		opts:    opts,
		ingests: make(chan struct{}, cmp.Or(opts.MaxIngests, 64)),
		log:     cmp.Or(opts.Logger, slog.Default()),
		rejected: promauto.With(opts.Registerer).NewCounterVec(prometheus.CounterOpts{
			Namespace: "klaxon", Name: "alerts_rejected_total",
			Help: "Alerts and webhook bodies refused as invalid, by source."}, []string{"source"}),
		overloaded: promauto.With(opts.Registerer).NewCounter(prometheus.CounterOpts{
			Namespace: "klaxon", Name: "webhooks_overloaded_total",
			Help: "Webhooks answered 503 or 429 because too many were being stored at once."}),
		mux: http.NewServeMux(),
	}
	s.SetTokens(opts.Integrations, opts.APITokens)
	s.routes()
	return s
}

// tokens are the credentials in force; a reload replaces them whole.
type tokens struct {
	integrations []Integration
	api          []string
}

// SetTokens replaces the integrations and api tokens accepted from now on.
func (s *Server) SetTokens(integrations []Integration, api []string) {
	s.tokens.Store(&tokens{integrations: integrations, api: api})
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /v1/alerts/alertmanager", s.alertmanager)
	s.mux.HandleFunc("POST /v1/alerts/datadog", s.datadog)
	s.mux.HandleFunc("POST /v2/enqueue", s.pagerDuty)
	s.mux.HandleFunc("GET /v1/incidents", s.operator(s.listIncidents))
	s.mux.HandleFunc("GET /v1/incidents/{key}", s.operator(s.getIncident))
	s.mux.HandleFunc("GET /v1/oncall", s.operator(s.onCall))
	s.mux.HandleFunc("GET /v1/events", s.operator(s.listEvents))
	s.mux.HandleFunc("GET /v1/reports", s.operator(s.report))
	s.mux.HandleFunc("POST /v1/incidents/{key}/ack", s.operator(s.action(engine.VerbAck)))
	s.mux.HandleFunc("POST /v1/incidents/{key}/resolve", s.operator(s.action(engine.VerbResolve)))
	s.mux.HandleFunc("POST /v1/incidents/{key}/escalate", s.operator(s.action(engine.VerbEscalate)))
	s.mux.HandleFunc("POST /v1/incidents/{key}/notes", s.operator(s.action(engine.VerbUpdate)))
	s.mux.HandleFunc("POST /v1/incidents/{key}/responders", s.operator(s.responders))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	if s.opts.Gatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
	}
	if t := s.opts.Twilio; t != nil {
		s.mux.Handle("POST /v1/twilio/sms", t.SMS)
		s.mux.Handle("POST /v1/twilio/voice", t.Voice)
		s.mux.Handle("POST /v1/twilio/status", t.Status)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// ServeHTTP routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.opts.Engine.Store().Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// admitIngest waits for room to store a webhook and returns the function
// that gives the room back; false when none came in time.
func (s *Server) admitIngest(r *http.Request) (func(), bool) {
	select {
	case s.ingests <- struct{}{}:
		return func() { <-s.ingests }, true
	default:
	}
	wait := time.NewTimer(s.opts.IngestWait)
	defer wait.Stop()
	select {
	case s.ingests <- struct{}{}:
		return func() { <-s.ingests }, true
	case <-wait.C:
	case <-r.Context().Done():
	}
	s.overloaded.Inc()
	return nil, false
}

// retryAfter is the Retry-After of an answer to an overloaded sender, in
// seconds.
const retryAfter = "5"

// bearer returns the request's bearer token, or "".
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// tokenIs compares tokens in constant time.
func tokenIs(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// operator guards a handler of the operator API with the api tokens.
func (s *Server) operator(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := bearer(r)
		ok := false
		for _, t := range s.tokens.Load().api {
			ok = tokenIs(got, t) || ok
		}
		if !ok {
			writeError(w, http.StatusUnauthorized, "Authorization: a valid api token is required")
			return
		}
		h(w, r)
	}
}

// readBody reads a request body of at most limit bytes: in one allocation
// of its declared length when it declares a short one, as webhook senders
// do, rather than growing a buffer as it reads. A long one is read as it
// comes, so that a sender who declares a large body and sends little holds
// no more memory than it sent.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	const mostAtOnce = 64 << 10
	body := http.MaxBytesReader(w, r.Body, limit)
	if n := r.ContentLength; n > 0 && n <= min(limit, mostAtOnce) {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// storeFailure answers a request the store could not serve: 503, so that
// senders retry.
func (s *Server) storeFailure(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err)
	if errors.Is(err, context.Canceled) {
		return
	}
	w.Header().Set("Retry-After", retryAfter)
	writeError(w, http.StatusServiceUnavailable, "store unavailable; retry later")
}
