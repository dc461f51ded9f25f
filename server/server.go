// Package server assembles a running Klaxon from its configuration: the
// store, the engine and its notifiers, and the HTTP interface, and runs them
// in order until told to stop.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/httpapi"
	"github.com/klaxonhq/klaxon/notifiers/email"
	"github.com/klaxonhq/klaxon/notifiers/lognotifier"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/rosters"
)

// Options are what a caller may set beyond the configuration; tests use them
// to move time by hand.
type Options struct {
	Clock  engine.Clock
	Logger *slog.Logger
	// ProviderClock paces the providers' rate limits (messages per second
	// per sender number); nil is the machine's clock.
	ProviderClock engine.Clock
}

// Server is one Klaxon process's parts.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	store    engine.Store
	engine   *engine.Engine
	handler  *httpapi.Server
	registry *prometheus.Registry
}

// New builds a Server from a validated configuration and rosters, opening
// its store.
func New(cfg *config.Config, rs *rosters.Set, opts Options) (*Server, error) {
	log := cmp.Or(opts.Logger, slog.Default())
	clock := opts.Clock
	if clock == nil {
		clock = engine.SystemClock{}
	}
	classifier, err := Classifier(cfg)
	if err != nil {
		return nil, err
	}
	store, err := OpenStore(cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	notifiers, verifier, err := buildNotifiers(cfg, opts.ProviderClock, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	eng, err := engine.New(engine.Options{Store: store, Clock: clock, Rosters: rs, Classifier: classifier,
		Notifiers: notifiers, IncidentPrefix: cfg.IncidentPrefix, Logger: log, Metrics: engine.NewMetrics(reg),
		Retention: cfg.Retention, Lease: lease(cfg)})
	if err != nil {
		store.Close()
		return nil, err
	}
	if w, ok := store.(interface{ OnTimers(func()) }); ok {
		// The engine starts on new timers while they are being written.
		w.OnTimers(eng.Wake)
	}
	s := &Server{cfg: cfg, log: log, store: store, engine: eng, registry: reg}
	var webhooks *httpapi.TwilioWebhooks
	if verifier != nil {
		webhooks = &httpapi.TwilioWebhooks{SMS: twilio.NewSMSHandler(verifier, eng, log),
			Voice: twilio.NewVoiceHandler(verifier, eng, log), Status: twilio.NewStatusHandler(verifier, eng, log)}
	}
	s.handler = httpapi.New(httpapi.Options{Engine: eng, Integrations: integrations(cfg), APITokens: apiTokens(cfg),
		Twilio: webhooks, Gatherer: reg, Registerer: reg, Logger: log})
	return s, nil
}

// openStoreTimeout bounds how long start-up waits for Redis.
const openStoreTimeout = 10 * time.Second

// OpenStore opens the store cfg configures: Redis when it has a redis
// section, the embedded store in data_dir otherwise. The caller closes it.
// The embedded store's file is locked while it is open, so it cannot be
// opened beside a running serve.
func OpenStore(cfg *config.Config) (engine.Store, error) {
	if cfg.Redis == nil {
		return embedded.Open(cfg.DataDir, embedded.Options{IncidentPrefix: cfg.IncidentPrefix})
	}
	ctx, cancel := context.WithTimeout(context.Background(), openStoreTimeout)
	defer cancel()
	return redisstore.Open(ctx, redisstore.Options{URL: cfg.Redis.URL, Prefix: cfg.Redis.Prefix,
		IncidentPrefix: cfg.IncidentPrefix, TimerShards: cfg.Redis.TimerShards})
}

// lease is how long a claimed timer is held: configurable with Redis, where
// replicas take over each other's timers; the engine's default otherwise.
func lease(cfg *config.Config) time.Duration {
	if cfg.Redis == nil {
		return 0
	}
	return cfg.Redis.Lease
}

// buildNotifiers picks a notifier per channel: Twilio for SMS and voice,
// SMTP for email, each when configured; with neither, the log takes every
// channel. It also returns the verifier of Twilio's webhooks, nil without
// Twilio.
func buildNotifiers(cfg *config.Config, pacing engine.Clock, log *slog.Logger) (map[engine.Channel]engine.Notifier, *twilio.Verifier, error) {
	if cfg.Twilio == nil && cfg.SMTP == nil {
		l := lognotifier.New(log)
		return map[engine.Channel]engine.Notifier{engine.ChannelSMS: l, engine.ChannelVoice: l, engine.ChannelEmail: l}, nil, nil
	}
	notifiers := map[engine.Channel]engine.Notifier{}
	if m := cfg.SMTP; m != nil {
		sender, err := email.New(email.Config{Host: m.Host, Port: m.Port, TLS: m.TLS,
			Username: m.Username, Password: m.Password, From: m.From})
		if err != nil {
			return nil, nil, fmt.Errorf("smtp: %w", err)
		}
		notifiers[engine.ChannelEmail] = sender
	}
	t := cfg.Twilio
	if t == nil {
		return notifiers, nil, nil
	}
	sender, err := twilio.New(twilio.Config{AccountSID: t.AccountSID, AuthToken: t.AuthToken,
		AuthTokenSecondary: t.AuthTokenSecondary, From: t.From, APIURL: t.APIURL, PublicURL: cfg.PublicURL,
		MessagesPerSecond: t.MessagesPerSecond, Clock: pacing})
	if err != nil {
		return nil, nil, fmt.Errorf("twilio: %w", err)
	}
	verifier, err := twilio.NewVerifier(cfg.PublicURL, t.AuthToken, t.AuthTokenSecondary)
	if err != nil {
		return nil, nil, fmt.Errorf("twilio: %w", err)
	}
	notifiers[engine.ChannelSMS], notifiers[engine.ChannelVoice] = sender, sender
	return notifiers, verifier, nil
}

// Classifier builds the engine's classification rules from the config.
func Classifier(cfg *config.Config) (*engine.Classifier, error) {
	def, err := engine.ParsePriority(cfg.DefaultPriority)
	if err != nil {
		return nil, fmt.Errorf("default_priority: %w", err)
	}
	c := &engine.Classifier{Default: def, ServiceLabel: cfg.ServiceLabel}
	for _, r := range cfg.Classify {
		p, err := engine.ParsePriority(r.Priority)
		if err != nil {
			return nil, fmt.Errorf("classify %s: %w", r.Match, err)
		}
		c.Rules = append(c.Rules, engine.Rule{Matchers: r.Matchers, Priority: p, Service: r.Service, Category: r.Category})
	}
	for _, w := range cfg.Maintenance {
		c.Maintenance = append(c.Maintenance, engine.Window{Matchers: w.Matchers, From: w.From, To: w.To})
	}
	return c, nil
}

func integrations(cfg *config.Config) []httpapi.Integration {
	out := make([]httpapi.Integration, len(cfg.Integrations))
	for i, in := range cfg.Integrations {
		out[i] = httpapi.Integration{Name: in.Name, Type: in.Type, Token: in.Token, Service: in.Service}
	}
	return out
}

func apiTokens(cfg *config.Config) []string {
	out := make([]string, len(cfg.APITokens))
	for i, t := range cfg.APITokens {
		out[i] = t.Token
	}
	return out
}

// Engine returns the server's engine.
func (s *Server) Engine() *engine.Engine { return s.engine }

// Registry returns the registry /metrics serves.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler returns the server's HTTP interface.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the store. Call it after Run has returned.
func (s *Server) Close() error { return s.store.Close() }

// shutdownGrace bounds how long in-flight requests may finish on shutdown.
const shutdownGrace = 10 * time.Second

// Run serves HTTP on ln and runs the engine until ctx is done. Shutdown
// order: stop accepting requests and finish those in flight, then stop the
// engine's timers (each finishing its current send).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.engine.Run(engineCtx) })
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.log.Info("klaxon serving", "addr", ln.Addr().String())
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if e := srv.Shutdown(shutCtx); e != nil && !errors.Is(e, http.ErrServerClosed) {
		err = cmp.Or(err, e)
	}
	stopEngine()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
