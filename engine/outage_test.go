package engine_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/rosters"
)

// hangingProvider never answers for one number until the send's deadline,
// and accepts every other message at once.
type hangingProvider struct {
	hangFor string
	mu      sync.Mutex
	sent    []engine.Message
	hung    int
}

func (p *hangingProvider) Send(ctx context.Context, m engine.Message) (string, bool, error) {
	if m.To == p.hangFor {
		<-ctx.Done()
		p.mu.Lock()
		p.hung++
		p.mu.Unlock()
		return "", true, errors.New("provider did not answer")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, m)
	return "SM1", false, nil
}

func (p *hangingProvider) sentTo(to string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.sent {
		if m.To == to {
			n++
		}
	}
	return n
}

const outageRoster = `team: t
timezone: UTC
people:
  - {id: alice, name: Alice, phone: "+15550000001", notify: [sms]}
  - {id: bob, name: Bob, phone: "+15550000002", notify: [sms]}
rotations:
  - {name: a, members: [alice], shift: 7d, handoff: "2026-11-16 09:00"}
  - {name: b, members: [bob], shift: 7d, handoff: "2026-11-16 09:00"}
policies:
  - {name: a, steps: [{notify: ["rotation:a"], escalate_after: 1h}]}
  - {name: b, steps: [{notify: ["rotation:b"], escalate_after: 1h}]}
  - {name: both, steps: [{notify: ["rotation:a", "rotation:b"], escalate_after: 1h}]}
services:
  - {name: alpha, policy: a}
  - {name: beta, policy: b}
  - {name: gamma, policy: both}
`

// outageEngine returns an engine with opts on a fresh embedded store, the
// outage roster, a fake clock and a classifier that takes the service from
// the "service" label.
func outageEngine(t *testing.T, opts engine.Options) (*engine.Engine, *embedded.Store, *enginetest.Clock) {
	t.Helper()
	return wrappedEngine(t, opts, nil)
}

// wrappedEngine is outageEngine with the engine on the store wrap makes of
// the embedded one, when wrap is not nil.
func wrappedEngine(t *testing.T, opts engine.Options, wrap func(engine.Store) engine.Store) (*engine.Engine, *embedded.Store, *enginetest.Clock) {
	t.Helper()
	store, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	rs, err := rosters.Parse(map[string][]byte{"t.yaml": []byte(outageRoster)})
	require.NoError(t, err)
	clock := enginetest.NewClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	opts.Store, opts.Clock, opts.Rosters = store, clock, rs
	if wrap != nil {
		opts.Store = wrap(store)
	}
	opts.Classifier = &engine.Classifier{Default: engine.P1, ServiceLabel: "service"}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.New(opts)
	require.NoError(t, err)
	return eng, store, clock
}

// alert is a firing alert of service with fingerprint (and alertname) fp.
func alert(service, fp string) engine.Alert {
	return engine.Alert{Source: "am", Fingerprint: fp, Status: engine.AlertFiring, Summary: service,
		Labels: map[string]string{"alertname": fp, "service": service}}
}

// A provider that hangs for one person holds neither ingest nor the pages
// of others; the hung page is retried a bounded number of times, every
// attempt on the timeline.
func TestAHangingProviderBlocksNobodyElse(t *testing.T) {
	ctx := context.Background()
	provider := &hangingProvider{hangFor: "+15550000001"}
	eng, store, clock := outageEngine(t, engine.Options{Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider},
		Lease: 200 * time.Millisecond, MaxAttempts: 3})

	_, err := eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", "fp1"), alert("beta", "fp2")})
	require.NoError(t, err)
	_, err = eng.RunDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, provider.sentTo("+15550000002"), "Bob is paged while Alice's provider hangs")

	res, err := eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("beta", "fp3")})
	require.NoError(t, err, "ingest goes on")
	assert.Equal(t, engine.OutcomeOpened, res[0].Outcome)

	for range 10 {
		clock.Advance(time.Minute)
		_, err = eng.RunDue(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 3, provider.hung, "three attempts, then the page fails")
	inc, err := store.Incident(ctx, "INC-1")
	require.NoError(t, err)
	page, ok := inc.Page("page/INC-1/g1/r0/s0/alice/sms")
	require.True(t, ok)
	assert.Equal(t, engine.PageFailed, page.Status)
	attempts := 0
	for _, en := range inc.Timeline {
		if en.Kind == engine.EntryPage {
			attempts++
		}
	}
	assert.Equal(t, 3, attempts, "every attempt is on the timeline")
}

// While one person's page hangs at the provider, a new incident is paged at
// once: the engine does not wait for the hung send before taking new work.
func TestNewIncidentsArePagedWhileASendHangs(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	provider := &gatedProvider{hangFor: "+15550000001", release: release, sent: make(chan string, 10),
		hanging: make(chan struct{})}
	eng, store, _ := outageEngine(t, engine.Options{Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}})
	store.OnTimers(eng.Wake)
	_, err := eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", "fp1")})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { defer close(done); _, _ = eng.RunDue(ctx) }()
	<-provider.hanging // Alice's page is stuck at the provider

	_, err = eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("beta", "fp2")})
	require.NoError(t, err)
	select {
	case to := <-provider.sent:
		assert.Equal(t, "+15550000002", to)
	case <-time.After(30 * time.Second):
		t.Fatal("Bob's page waited for Alice's hung send")
	}
	close(release)
	<-done
}

// gatedProvider holds one number's sends until released.
type gatedProvider struct {
	hangFor string
	release chan struct{}
	sent    chan string
	once    sync.Once
	hanging chan struct{}
}

func (p *gatedProvider) Send(ctx context.Context, m engine.Message) (string, bool, error) {
	if m.To == p.hangFor {
		p.once.Do(func() { close(p.hanging) })
		<-p.release
		return "SM0", false, nil
	}
	p.sent <- m.To
	return "SM1", false, nil
}
