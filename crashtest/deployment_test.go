package crashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/redistest"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

const (
	amToken     = "crash-am-token"
	apiToken    = "crash-api-token"
	twilioSID   = "ACcrashtest"
	twilioToken = "crashtwiliotoken"
	publicURL   = "https://klaxon.crashtest"
	alicePhone  = "+15551230001"
	senderPhone = "+15550001111"
)

// options shape a deployment's rosters and store.
type options struct {
	// smsDelay delays Alice's SMS after she is paged.
	smsDelay time.Duration
	// stepWait is the first step's escalate_after: how long after paging
	// Alice the second step pages her again.
	stepWait time.Duration
	// lease is the Redis lease on a claimed timer; 0 is the default.
	lease time.Duration
}

// deployment is one Klaxon installation under test: its configuration and
// rosters in a directory, its store (that directory's data_dir, or a
// redis-server of its own with the append-only file on), and a fake Twilio
// behind a gate. Its children run one at a time on the same data.
type deployment struct {
	t        *testing.T
	store    string // "embedded" or "redis"
	dir      string
	opts     options
	redis    *redistest.Server // nil for the embedded store
	twilio   *twiliotest.Server
	gate     *gate
	children int
}

// stores are the stores every scenario runs on.
var stores = []string{"embedded", "redis"}

// onEachStore runs scenario once per store, as subtests.
func onEachStore(t *testing.T, opts options, scenario func(t *testing.T, d *deployment)) {
	t.Helper()
	needBinary(t)
	for _, store := range stores {
		t.Run(store, func(t *testing.T) { scenario(t, newDeployment(t, store, opts)) })
	}
}

func newDeployment(t *testing.T, store string, opts options) *deployment {
	t.Helper()
	d := &deployment{t: t, store: store, dir: t.TempDir(), opts: opts}
	if store == "redis" {
		d.redis = redistest.Start(t)
	}
	d.twilio = twiliotest.NewServer(t, twilioSID, twilioToken)
	d.gate = newGate(t, d.twilio.URL())
	d.write("rosters/payments.yaml", d.roster())
	return d
}

// start starts a child on the deployment's data, on a fresh port, and
// waits until it answers.
func (d *deployment) start() *child {
	d.t.Helper()
	var lastErr error
	for range 3 { // another process may take the free port first
		d.children++
		url := "http://" + freeAddr(d.t)
		d.write("klaxon.yaml", d.config(strings.TrimPrefix(url, "http://")))
		c, err := startChild(d.t, fmt.Sprintf("klaxon #%d", d.children), filepath.Join(d.dir, "klaxon.yaml"), url)
		if err == nil {
			return c
		}
		lastErr = err
		if !strings.Contains(err.Error(), "cannot listen") {
			break
		}
	}
	d.t.Fatal(lastErr)
	return nil
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (d *deployment) write(name, content string) {
	d.t.Helper()
	path := filepath.Join(d.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// config is klaxon.yaml for a child listening on addr.
func (d *deployment) config(addr string) string {
	cfg := `listen: "` + addr + `"
public_url: "` + publicURL + `"
data_dir: ./data
rosters: ./rosters
integrations:
  - name: prod-alertmanager
    type: alertmanager
    token: ` + amToken + `
    service: checkout
classify:
  - match: '{severity="critical"}'
    priority: P1
twilio:
  account_sid: ` + twilioSID + `
  auth_token: ` + twilioToken + `
  from: ["` + senderPhone + `"]
  api_url: ` + d.gate.URL() + `
  messages_per_second: 100
api_tokens:
  - name: ops
    token: ` + apiToken + "\n"
	if d.redis != nil {
		cfg += "redis:\n  url: " + d.redis.URL() + "\n  prefix: crash\n"
		if d.opts.lease > 0 {
			cfg += "  lease: " + d.opts.lease.String() + "\n"
		}
	}
	return cfg
}

// roster is one person, one rotation, and a policy of two steps that both
// page her: the first at once, the second opts.stepWait later.
func (d *deployment) roster() string {
	notify := "[sms]"
	if d.opts.smsDelay > 0 {
		notify = "[{sms: " + d.opts.smsDelay.String() + "}]"
	}
	return `team: payments
timezone: UTC
people:
  - id: alice
    name: Alice Chen
    phone: "` + alicePhone + `"
    notify: ` + notify + `
rotations:
  - name: primary
    members: [alice]
    shift: 7d
    handoff: "2026-01-05 09:00"
policies:
  - name: payments
    steps:
      - notify: ["rotation:primary"]
        escalate_after: ` + d.opts.stepWait.String() + `
      - notify: ["rotation:primary"]
        escalate_after: 1s
services:
  - name: checkout
    policy: payments
    group_by: [alertname]
`
}

// postAlert sends a firing critical alert as Alertmanager does and
// returns the answer's status.
func postAlert(t *testing.T, c *child, name string) int {
	t.Helper()
	return postJSON(t, c, "/v1/alerts/alertmanager", amToken, map[string]any{"version": "4", "status": "firing",
		"receiver": "klaxon", "groupKey": "{}:{}", "alerts": []map[string]any{{"status": "firing", "fingerprint": "fp-" + name,
			"labels":      map[string]string{"alertname": name, "severity": "critical"},
			"annotations": map[string]string{"summary": "api-gw 12% errors"}}}})
}

// addNote adds a note by Alice to the incident through the operator API
// and returns the answer's status.
func addNote(t *testing.T, c *child, key, text string) int {
	t.Helper()
	return postJSON(t, c, "/v1/incidents/"+key+"/notes", apiToken, map[string]string{"by": "alice", "text": text})
}

// postJSON posts v as JSON to path with a bearer token and returns the
// answer's status.
func postJSON(t *testing.T, c *child, path, token string, v any) int {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post to %s on %s: %v", path, c.name, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// incident reads an incident through the operator API; ok is false when
// there is none.
func incident(t *testing.T, c *child, key string) (inc engine.Incident, ok bool) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.url+"/v1/incidents/"+key, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read %s from %s: %v", key, c.name, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return inc, false
	case http.StatusOK:
	default:
		t.Fatalf("read %s from %s: status %d", key, c.name, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&inc); err != nil {
		t.Fatalf("read %s from %s: %v", key, c.name, err)
	}
	return inc, true
}

// waitIncident polls the incident until cond holds, for up to
// readyTimeout, and returns it.
func waitIncident(t *testing.T, c *child, key, what string, cond func(engine.Incident) bool) engine.Incident {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		inc, ok := incident(t, c, key)
		if ok && cond(inc) {
			return inc
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not seen within %s; incident: %s", c.name, what, readyTimeout, describe(inc))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits until the incident's escalation has run its course: the
// policy is exhausted and no page is pending.
func settle(t *testing.T, c *child, key string) engine.Incident {
	t.Helper()
	return waitIncident(t, c, key, "escalation exhausted with no page pending", func(inc engine.Incident) bool {
		if !hasEntry(inc, engine.EntryExhausted) {
			return false
		}
		for _, p := range inc.Pages {
			if p.Status == engine.PagePending {
				return false
			}
		}
		return true
	})
}

func hasEntry(inc engine.Incident, kind engine.EntryKind) bool {
	for _, e := range inc.Timeline {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// stepPage returns the page of the incident's first round's step (0 is
// the first) to Alice by SMS.
func stepPage(inc engine.Incident, step int) (engine.Page, bool) {
	suffix := fmt.Sprintf("/r0/s%d/alice/sms", step)
	for _, p := range inc.Pages {
		if strings.HasSuffix(p.Key, suffix) {
			return p, true
		}
	}
	return engine.Page{}, false
}

// waitMessages waits until Alice has received at least n SMS.
func (d *deployment) waitMessages(t *testing.T, n int) []twiliotest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	msgs, err := d.twilio.WaitMessages(ctx, alicePhone, n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// requireOneMessagePerPage requires that every message on the wire to
// Alice is a page recorded as sent, each once, beyond unrecorded messages
// that reached Twilio without Klaxon hearing the answer.
func (d *deployment) requireOneMessagePerPage(t *testing.T, inc engine.Incident, unrecorded int) {
	t.Helper()
	msgs := d.twilio.MessagesTo(alicePhone)
	onWire := map[string]bool{}
	for _, m := range msgs {
		onWire[m.SID] = true
	}
	sent := 0
	for _, p := range inc.Pages {
		if p.Status != engine.PageSent {
			continue
		}
		sent++
		if !onWire[p.ProviderID] {
			t.Errorf("page %s recorded as sent as %s, which Twilio never accepted", p.Key, p.ProviderID)
		}
	}
	if len(msgs) != sent+unrecorded {
		t.Errorf("%d SMS reached Twilio for %d pages recorded as sent and %d sent unrecorded; incident: %s",
			len(msgs), sent, unrecorded, describe(inc))
	}
}

// describe is an incident's pages and timeline, for failure messages.
func describe(inc engine.Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s owner=%q", inc.Key, inc.State, inc.Owner)
	for _, p := range inc.Pages {
		fmt.Fprintf(&b, "\n  page %s %s %s", p.Key, p.Status, p.ProviderID)
	}
	for _, e := range inc.Timeline {
		fmt.Fprintf(&b, "\n  %s %s %s", e.At.Format(time.StampMilli), e.Kind, e.Detail)
	}
	return b.String()
}
