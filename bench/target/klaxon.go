package target

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/klaxonhq/klaxon/server"
)

// Names the bench's Klaxon configuration uses.
const (
	// KlaxonToken is the Alertmanager integration's bearer token.
	KlaxonToken = "bench-am-token"
	// Service is the service every bench alert belongs to.
	Service = "bench"
	// OnCallPhone is the number of the one person on call.
	OnCallPhone = "+15550002222"
)

// klaxonConfig is klaxon.yaml with the data directory, the rosters
// directory, the fake Twilio's URL and the optional redis section to fill
// in. Alerts of severity critical are P1; the sender may send 100,000
// messages a second, so that the provider's pace never caps a figure.
const klaxonConfig = `listen: "127.0.0.1:0"
public_url: "http://127.0.0.1:1"
data_dir: %q
rosters: %q
integrations:
  - name: bench-alertmanager
    type: alertmanager
    token: ` + KlaxonToken + `
    service: ` + Service + `
classify:
  - match: '{severity="critical"}'
    priority: P1
default_priority: P2
twilio:
  account_sid: ACbench
  auth_token: benchtoken
  from: ["+15550001111"]
  api_url: %q
  messages_per_second: 100000
%s`

// Roster is the bench's one roster: one person on call, paged by SMS
// only; a policy of one step whose next escalation is five minutes away,
// past any run; one service grouping alerts by alertname.
const Roster = `team: bench
timezone: UTC
people:
  - id: oncall
    name: On Call
    phone: "` + OnCallPhone + `"
    notify: [sms]
rotations:
  - name: primary
    members: [oncall]
    shift: 7d
    handoff: "2026-01-05 09:00"
policies:
  - name: bench
    steps:
      - notify: ["rotation:primary"]
        escalate_after: 5m
services:
  - name: ` + Service + `
    policy: bench
    group_by: [alertname]
`

// KlaxonOptions say how to start Klaxon.
type KlaxonOptions struct {
	// Dir holds the configuration, rosters and embedded data.
	Dir string
	// RedisURL selects the Redis store; empty selects the embedded store.
	RedisURL string
	// TwilioURL is the fake Twilio's base URL.
	TwilioURL string
	// Logger receives Klaxon's logs.
	Logger *slog.Logger
}

// Klaxon is a Klaxon server running in this process, as `klaxon serve`
// runs it: HTTP interface and engine, on a loopback listener.
type Klaxon struct {
	url    string
	srv    *server.Server
	cancel context.CancelFunc
	done   chan error
}

// StartKlaxon writes the bench's configuration and roster to opts.Dir and
// starts Klaxon from them.
func StartKlaxon(ctx context.Context, opts KlaxonOptions) (*Klaxon, error) {
	cfgPath, err := WriteKlaxonConfig(opts.Dir, opts.RedisURL, opts.TwilioURL)
	if err != nil {
		return nil, err
	}
	cfg, rs, err := server.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	srv, err := server.New(cfg, rs, server.Options{Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("start klaxon: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	k := &Klaxon{url: "http://" + ln.Addr().String(), srv: srv, cancel: cancel, done: make(chan error, 1)}
	go func() { k.done <- srv.Run(runCtx, ln) }()
	return k, nil
}

// WriteKlaxonConfig writes klaxon.yaml and the roster into dir and returns
// the configuration's path.
func WriteKlaxonConfig(dir, redisURL, twilioURL string) (string, error) {
	rosters := filepath.Join(dir, "rosters")
	if err := os.MkdirAll(rosters, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(rosters, "bench.yaml"), []byte(Roster), 0o644); err != nil {
		return "", err
	}
	redis := ""
	if redisURL != "" {
		redis = fmt.Sprintf("redis:\n  url: %q\n", redisURL)
	}
	body := fmt.Sprintf(klaxonConfig, filepath.Join(dir, "data"), rosters, twilioURL, redis)
	path := filepath.Join(dir, "klaxon.yaml")
	return path, os.WriteFile(path, []byte(body), 0o644)
}

// AlertsURL is where Alertmanager webhooks are posted.
func (k *Klaxon) AlertsURL() string { return k.url + "/v1/alerts/alertmanager" }

// Server returns the running server.
func (k *Klaxon) Server() *server.Server { return k.srv }

// Stop shuts Klaxon down in its own order (intake, then engine) and closes
// its store.
func (k *Klaxon) Stop() error {
	k.cancel()
	err := <-k.done
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return errors.Join(err, k.srv.Close())
}
