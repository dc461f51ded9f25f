package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/internal/redistest"
	"github.com/klaxonhq/klaxon/internal/syncbuf"
	"github.com/klaxonhq/klaxon/notifiers/email/emailtest"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
	"github.com/klaxonhq/klaxon/rosters"
	"github.com/klaxonhq/klaxon/server"
)

const (
	amToken     = "am-token-1"
	ddToken     = "dd-token-1"
	pdToken     = "pd-routing-key-1"
	apiToken    = "api-token-1"
	twilioSID   = "ACtest"
	twilioToken = "twiliotoken"
	// twilioSecondary is the token being rotated out, still accepted on webhooks.
	twilioSecondary = "twiliotokenold"
	smtpPassword    = "smtp-secret-pw"
	publicURL       = "https://klaxon.test"

	alicePhone = "+15551230001"
	bobPhone   = "+15551230002"
	carolPhone = "+15551230003"
	davePhone  = "+15551230004"
)

// start is the fake clock's start: Sunday 2026-11-22 07:00 in New York,
// inside the primary rotation's first shift (Alice's).
var start = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const configYAML = `listen: "127.0.0.1:0"
public_url: "` + publicURL + `"
data_dir: ./data
rosters: ./rosters
integrations:
  - name: prod-alertmanager
    type: alertmanager
    token: ` + amToken + `
    service: checkout
  - name: prod-datadog
    type: datadog
    token: ` + ddToken + `
    service: checkout
  - name: ci-pipeline
    type: pagerduty
    token: ` + pdToken + `
    service: checkout
classify:
  - match: '{severity="critical"}'
    priority: P1
  - match: '{severity=~"info|none"}'
    priority: P3
default_priority: P2
twilio:
  account_sid: ` + twilioSID + `
  auth_token: ` + twilioToken + `
  auth_token_secondary: ` + twilioSecondary + `
  from: ["+15550001111"]
  api_url: ${FAKE_TWILIO_URL}
  messages_per_second: 1000
smtp:
  host: 127.0.0.1
  port: SMTP_PORT
  tls: none
  username: klaxon
  password: ` + smtpPassword + `
  from: klaxon@klaxon.test
api_tokens:
  - name: ops
    token: ` + apiToken + `
`

const rosterYAML = `team: payments
timezone: America/New_York
people:
  - id: alice
    name: Alice Chen
    phone: "` + alicePhone + `"
    email: alice@example.com
    notify: [sms]
  - id: bob
    name: Bob Diaz
    phone: "` + bobPhone + `"
    notify: [sms]
  - id: carol
    name: Carol Egan
    phone: "` + carolPhone + `"
    notify: [sms]
  - id: dave
    name: Dave Fox
    phone: "` + davePhone + `"
    notify: [sms]
rotations:
  - name: primary
    members: [alice, bob]
    shift: 7d
    handoff: "2026-11-16 09:00"
  - name: secondary
    members: [carol]
    shift: 7d
    handoff: "2026-11-16 09:00"
policies:
  - name: payments
    steps:
      - notify: ["rotation:primary"]
        escalate_after: 5m
      - notify: ["rotation:secondary"]
        escalate_after: 10m
services:
  - name: checkout
    policy: payments
    group_by: [alertname]
`

// harness is one Klaxon server under test with its fakes.
type harness struct {
	t      *testing.T
	kind   string // the store: "embedded" or "redis"
	dir    string
	clock  *enginetest.Clock
	twilio *twiliotest.Server
	smtp   *emailtest.Server
	logs   *syncbuf.Buffer
	// paced makes the fake clock pace Twilio's sender numbers.
	paced bool
	srv   *server.Server
	http  *httptest.Server
	seen  map[string]int // messages already looked at, per number
}

// newHarness starts Klaxon on a fresh store of kind: a new data directory,
// or keys of its own on the package's shared redis-server.
func newHarness(t *testing.T, kind string) *harness {
	t.Helper()
	cfg := configYAML
	if kind == "redis" {
		cfg += redisSection(redistest.Shared(t).URL())
	}
	return newHarnessWith(t, kind, cfg)
}

// newHarnessWith starts Klaxon with the configuration cfg.
func newHarnessWith(t *testing.T, kind, cfg string) *harness {
	t.Helper()
	h := &harness{t: t, kind: kind, dir: t.TempDir(), clock: enginetest.NewClock(start), seen: map[string]int{},
		logs: &syncbuf.Buffer{}}
	h.twilio = twiliotest.NewServer(t, twilioSID, twilioToken)
	h.smtp = emailtest.NewServer(t, emailtest.Options{Username: "klaxon", Password: smtpPassword})
	t.Setenv("FAKE_TWILIO_URL", h.twilio.URL())
	cfg = strings.Replace(cfg, "SMTP_PORT", strconv.Itoa(h.smtp.Port()), 1)
	require.NoError(t, os.MkdirAll(filepath.Join(h.dir, "rosters"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "klaxon.yaml"), []byte(cfg), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "rosters", "payments.yaml"), []byte(rosterYAML), 0o644))
	h.boot()
	t.Cleanup(h.stop)
	return h
}

// boot builds the server from the files in the harness directory.
func (h *harness) boot() {
	h.t.Helper()
	cfg, err := config.Load(filepath.Join(h.dir, "klaxon.yaml"))
	require.NoError(h.t, err)
	rs, err := rosters.LoadDir(cfg.Rosters)
	require.NoError(h.t, err)
	logger := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := server.Options{Clock: h.clock, Logger: logger}
	if h.paced {
		opts.ProviderClock = h.clock
	}
	h.srv, err = server.New(cfg, rs, opts)
	require.NoError(h.t, err)
	h.http = httptest.NewServer(h.srv.Handler())
}

func (h *harness) stop() {
	if h.http != nil {
		h.http.Close()
		h.http = nil
		require.NoError(h.t, h.srv.Close())
	}
}

// restart stops the server and starts a new one on the same data directory,
// as a process restart would.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.boot()
}

// tick runs every timer that is due now.
func (h *harness) tick() {
	h.t.Helper()
	_, err := h.srv.Engine().RunDue(context.Background())
	require.NoError(h.t, err)
}

// advance moves the clock and runs what came due.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	h.tick()
}

// amAlert is one alert of an Alertmanager webhook.
type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

func firing(name, fingerprint string, labels ...string) amAlert {
	ls := map[string]string{"alertname": name, "severity": "critical"}
	for i := 0; i+1 < len(labels); i += 2 {
		ls[labels[i]] = labels[i+1]
	}
	return amAlert{Status: "firing", Labels: ls, Fingerprint: fingerprint, StartsAt: start.Add(-time.Minute),
		Annotations: map[string]string{"summary": "api-gw 12% errors"}}
}

func resolved(a amAlert) amAlert {
	a.Status, a.EndsAt = "resolved", start
	return a
}

// webhook builds an Alertmanager v4 body.
func webhook(alerts ...amAlert) []byte {
	body, err := json.Marshal(map[string]any{"version": "4", "status": alerts[0].Status, "receiver": "klaxon",
		"groupKey": "{}:{}", "alerts": alerts})
	if err != nil {
		panic(err)
	}
	return body
}

// post sends a request and returns the status and the JSON answer.
func (h *harness) post(path, token string, body []byte) (int, map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.http.URL+path, bytes.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) (int, map[string]any) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var out map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(h.t, json.Unmarshal(raw, &out), "answer: %s", raw)
	}
	return resp.StatusCode, out
}

// sendAlerts posts alerts as Alertmanager does and requires a 200.
func (h *harness) sendAlerts(alerts ...amAlert) map[string]any {
	h.t.Helper()
	status, out := h.post("/v1/alerts/alertmanager", amToken, webhook(alerts...))
	require.Equal(h.t, http.StatusOK, status, "answer: %v", out)
	return out
}

// incident reads an incident through the operator API.
func (h *harness) incident(key string) engine.Incident {
	h.t.Helper()
	inc, err := h.readIncident(key)
	require.NoError(h.t, err)
	return inc
}

// readIncident reads an incident through the operator API, from any
// goroutine.
func (h *harness) readIncident(key string) (engine.Incident, error) {
	req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/incidents/"+key, nil)
	if err != nil {
		return engine.Incident{}, err
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return engine.Incident{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return engine.Incident{}, fmt.Errorf("GET /v1/incidents/%s: %s", key, resp.Status)
	}
	var inc engine.Incident
	err = json.NewDecoder(resp.Body).Decode(&inc)
	return inc, err
}

// waitForPage waits until incident key has recorded page pageKey: its
// escalation, run by a worker RunDue started, has completed.
func (h *harness) waitForPage(key, pageKey string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		inc, err := h.readIncident(key)
		_, ok := inc.Page(pageKey)
		return err == nil && ok
	}, 30*time.Second, 5*time.Millisecond, "%s never recorded %s", key, pageKey)
}

// incidents lists incidents through the operator API.
func (h *harness) incidents(state string) []engine.Incident {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/incidents?state="+state, nil)
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	require.Equal(h.t, http.StatusOK, resp.StatusCode)
	var out struct{ Incidents []engine.Incident }
	require.NoError(h.t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Incidents
}

// phone is a person's phone: the SMS it received and the replies it sends.
type phone struct {
	h      *harness
	number string
}

func (h *harness) phone(number string) *phone { return &phone{h: h, number: number} }

// expectSMS requires that the next unread SMS to this phone contains want,
// and returns it.
func (p *phone) expectSMS(want string) string {
	p.h.t.Helper()
	msgs := p.h.twilio.MessagesTo(p.number)
	next := p.h.seen[p.number]
	require.Greater(p.h.t, len(msgs), next, "%s: expected an SMS containing %q, got none", p.number, want)
	p.h.seen[p.number] = next + 1
	require.Contains(p.h.t, msgs[next].Body, want, "%s: SMS %d", p.number, next+1)
	return msgs[next].Body
}

// expectNoSMS requires that no unread SMS reached this phone.
func (p *phone) expectNoSMS() {
	p.h.t.Helper()
	msgs := p.h.twilio.MessagesTo(p.number)
	next := p.h.seen[p.number]
	if len(msgs) > next {
		p.h.t.Fatalf("%s: expected no SMS, got %q", p.number, msgs[next].Body)
	}
}

// reply sends an SMS from this phone to Klaxon's inbound webhook, signed as
// Twilio signs it, and returns Klaxon's answer.
func (p *phone) reply(text string) string {
	p.h.t.Helper()
	form := url.Values{"From": {p.number}, "To": {"+15550001111"}, "Body": {text},
		"MessageSid": {"SMinbound"}, "AccountSid": {twilioSID}}
	req := twiliotest.SignedRequest(p.h.t, twilioToken, publicURL, "/v1/twilio/sms", form)
	target, err := url.Parse(p.h.http.URL + "/v1/twilio/sms")
	require.NoError(p.h.t, err)
	req.URL, req.Host, req.RequestURI = target, target.Host, ""
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.h.t, err)
	defer resp.Body.Close()
	require.Equal(p.h.t, http.StatusOK, resp.StatusCode)
	var twiml struct {
		Message string `xml:"Message"`
	}
	raw, err := io.ReadAll(resp.Body)
	require.NoError(p.h.t, err)
	require.NoError(p.h.t, xml.Unmarshal(raw, &twiml), "answer: %s", raw)
	return twiml.Message
}

// storeKinds are the stores every scenario runs on.
var storeKinds = []string{"embedded", "redis"}

// onEachStore runs a scenario once per store, each in a fresh harness.
func onEachStore(t *testing.T, scenario func(t *testing.T, h *harness)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { scenario(t, newHarness(t, kind)) })
	}
}

// deployments numbers the Redis key prefixes, one per harness.
var deployments atomic.Int64

// redisSection configures a Redis store with keys of its own at url.
func redisSection(url string) string {
	return fmt.Sprintf("redis:\n  url: %s\n  prefix: e2e%d\n", url, deployments.Add(1))
}

func TestMain(m *testing.M) { redistest.Main(m) }
