package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// claimLog is a store that records the timers ClaimDue hands out and the
// incidents read, calls onClaim (when set) with "claim_due" or "complete"
// each time ClaimDue or a completion has claimed timers, and tells polled
// (when set, without waiting) of each call of ClaimDue.
type claimLog struct {
	engine.Store
	onClaim func(op string)
	polled  chan struct{}
	mu      sync.Mutex
	claimed []string
	read    []string
}

func (s *claimLog) Incident(ctx context.Context, key string) (engine.Incident, error) {
	s.mu.Lock()
	s.read = append(s.read, key)
	s.mu.Unlock()
	return s.Store.Incident(ctx, key)
}

func (s *claimLog) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]engine.Claimed, error) {
	claims, err := s.Store.ClaimDue(ctx, now, lease, max)
	select {
	case s.polled <- struct{}{}:
	default:
	}
	s.mu.Lock()
	for _, t := range engine.TimersOf(claims) {
		s.claimed = append(s.claimed, t.ID)
	}
	s.mu.Unlock()
	if len(claims) > 0 && s.onClaim != nil {
		s.onClaim("claim_due")
	}
	return claims, err
}

func (s *claimLog) CompleteAndClaim(ctx context.Context, now time.Time, c engine.Completion, lease time.Duration) (engine.Claimed, error) {
	claimed, err := s.Store.CompleteAndClaim(ctx, now, c, lease)
	if len(claimed.Timers) > 0 && s.onClaim != nil {
		s.onClaim("complete")
	}
	return claimed, err
}

func (s *claimLog) claimedByClaimDue() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.claimed...)
}

func (s *claimLog) incidentsRead() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.read...)
}

// A new incident's page comes back claimed from its escalation's
// completion, with the incident, and is sent at once: only the escalation
// is claimed from the store, and its claim brings the incident, so the
// incident is never read.
func TestEscalationPagesAreSentWithoutClaimingThemAgain(t *testing.T) {
	ctx := context.Background()
	provider := &hangingProvider{}
	log := &claimLog{}
	eng, store, _ := wrappedEngine(t, engine.Options{Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}},
		func(s engine.Store) engine.Store { log.Store = s; return log })

	_, err := eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", "fp1")})
	require.NoError(t, err)
	ran, err := eng.RunDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, ran, "the escalation and its page")
	assert.Equal(t, 1, provider.sentTo("+15550000001"))
	assert.Equal(t, []string{"esc/INC-1"}, log.claimedByClaimDue())
	assert.Empty(t, log.incidentsRead())
	assert.Equal(t, engine.PageSent, alicesFirstSMS(t, store))
}

// What RunDue has claimed runs to its end when RunDue is cancelled: the
// escalation it claimed from the store, and the step's two pages that the
// escalation's completion claimed, which wait in the queue for the one
// worker. Each person is paged once.
func TestCancelledRunDueRunsWhatItClaimed(t *testing.T) {
	for _, cancelAt := range []string{"claim_due", "complete"} {
		t.Run("cancelled at "+cancelAt, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			provider := &hangingProvider{}
			log := &claimLog{onClaim: func(op string) {
				if op == cancelAt {
					cancel()
				}
			}}
			eng, store, _ := wrappedEngine(t, engine.Options{Workers: 1,
				Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}},
				func(s engine.Store) engine.Store { log.Store = s; return log })

			_, err := eng.Ingest(ctx, engine.Source{Integration: "am"}, []engine.Alert{alert("gamma", "fp1")})
			require.NoError(t, err)
			ran, err := eng.RunDue(ctx)
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, 3, ran, "the escalation and both pages")
			assert.Equal(t, 1, provider.sentTo("+15550000001"))
			assert.Equal(t, 1, provider.sentTo("+15550000002"))
			assert.Equal(t, []string{"esc/INC-1"}, log.claimedByClaimDue())
			inc, err := store.Incident(context.Background(), "INC-1")
			require.NoError(t, err)
			require.Len(t, inc.Pages, 2)
			for _, p := range inc.Pages {
				assert.Equal(t, engine.PageSent, p.Status, p.Key)
			}
		})
	}
}

// signallingProvider is a hangingProvider that tells sent of each message.
type signallingProvider struct {
	hangingProvider
	sent chan string
}

func (p *signallingProvider) Send(ctx context.Context, m engine.Message) (string, bool, error) {
	id, retry, err := p.hangingProvider.Send(ctx, m)
	p.sent <- m.To
	return id, retry, err
}

// runStarted runs eng.Run until stop is called, and returns once Run has
// first looked for due timers (log.polled); done yields Run's answer.
func runStarted(t *testing.T, eng *engine.Engine, log *claimLog) (stop func(), done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	answer := make(chan error, 1)
	go func() { answer <- eng.Run(ctx) }()
	await(t, log.polled, "first look for due timers")
	return cancel, answer
}

// alicesFirstSMS returns the status of INC-1's first SMS to alice.
func alicesFirstSMS(t *testing.T, store engine.Store) engine.PageStatus {
	t.Helper()
	inc, err := store.Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	page, ok := inc.Page("page/INC-1/g1/r0/s0/alice/sms")
	require.True(t, ok)
	return page.Status
}

// await waits for ch to yield, failing the test after a generous bound
// that only a hung engine reaches.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
	}
	var zero T
	return zero
}

// While Run runs, the ingest that opens an incident runs its first
// escalation step and hands the step's page to Run's workers with the
// incident: the page goes out with nothing claimed from the store and no
// incident read, and the escalation is counted. Once Run has stopped, an
// ingest leaves the escalation due, and the next RunDue claims it from the
// store.
func TestRunSendsTheFirstStepIngestRan(t *testing.T) {
	provider := &signallingProvider{sent: make(chan string, 10)}
	log := &claimLog{polled: make(chan struct{}, 1)}
	metrics := engine.NewMetrics(prometheus.NewRegistry())
	eng, store, _ := wrappedEngine(t, engine.Options{Metrics: metrics, Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}},
		func(s engine.Store) engine.Store { log.Store = s; return log })
	stop, done := runStarted(t, eng, log)

	_, err := eng.Ingest(context.Background(), engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", "fp1")})
	require.NoError(t, err)
	assert.Equal(t, "+15550000001", await(t, provider.sent, "page"))
	stop()
	require.NoError(t, await(t, done, "stop of Run"))
	assert.Empty(t, log.claimedByClaimDue(), "the page came from the ingest")
	assert.Empty(t, log.incidentsRead(), "with its incident")
	assert.Equal(t, 1.0, testutil.ToFloat64(metrics.Escalations))
	assert.Equal(t, engine.PageSent, alicesFirstSMS(t, store))

	_, err = eng.Ingest(context.Background(), engine.Source{Integration: "am"}, []engine.Alert{alert("beta", "fp2")})
	require.NoError(t, err)
	_, err = eng.RunDue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"esc/INC-2"}, log.claimedByClaimDue())
}

// stopOnHandOver is a store that calls stop before it hands over what an
// ingest claimed.
type stopOnHandOver struct {
	engine.Store
	stop func()
}

func (s *stopOnHandOver) IngestAndEscalate(ctx context.Context, now time.Time, alerts []engine.Classified, step engine.FirstStep) ([]engine.IngestResult, error) {
	hand := step.Hand
	step.Hand = func(c engine.Claimed, cp engine.Completion) {
		s.stop()
		hand(c, cp)
	}
	return s.Store.IngestAndEscalate(ctx, now, alerts, step)
}

// A first step the ingest ran as Run was told to stop is handed over, and
// its page sent, before Run returns: once.
func TestRunSendsTheFirstStepHandedOverAsItStops(t *testing.T) {
	provider := &signallingProvider{sent: make(chan string, 10)}
	log := &claimLog{polled: make(chan struct{}, 1)}
	stopper := &stopOnHandOver{}
	eng, store, _ := wrappedEngine(t, engine.Options{Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}},
		func(s engine.Store) engine.Store { stopper.Store = s; log.Store = stopper; return log })
	stop, done := runStarted(t, eng, log)
	stopper.stop = stop

	_, err := eng.Ingest(context.Background(), engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", "fp1")})
	require.NoError(t, err)
	require.NoError(t, await(t, done, "stop of Run"))
	assert.Equal(t, 1, provider.sentTo("+15550000001"))
	assert.Equal(t, engine.PageSent, alicesFirstSMS(t, store))
}

// releasedProvider tells started of each message, and accepts it once
// release is closed.
type releasedProvider struct {
	started chan string
	release chan struct{}
}

func (p *releasedProvider) Send(ctx context.Context, m engine.Message) (string, bool, error) {
	p.started <- m.To
	select {
	case <-p.release:
		return "SM1", false, nil
	case <-ctx.Done():
		return "", true, ctx.Err()
	}
}

// While as many claimed timers wait for a worker as there are workers, an
// ingest runs no first step: the new incident's escalation waits in the
// store, unclaimed, and is claimed when a worker is free, rather than held
// by a claim whose lease could end in the queue.
func TestIngestRunsNoFirstStepWhileEveryWorkerHasAQueue(t *testing.T) {
	provider := &releasedProvider{started: make(chan string, 10), release: make(chan struct{})}
	log := &claimLog{polled: make(chan struct{}, 1)}
	eng, _, _ := wrappedEngine(t, engine.Options{Workers: 1, Notifiers: map[engine.Channel]engine.Notifier{engine.ChannelSMS: provider}},
		func(s engine.Store) engine.Store { log.Store = s; return log })
	stop, done := runStarted(t, eng, log)
	ingest := func(fp string) {
		t.Helper()
		_, err := eng.Ingest(context.Background(), engine.Source{Integration: "am"}, []engine.Alert{alert("alpha", fp)})
		require.NoError(t, err)
	}

	ingest("fp1")
	await(t, provider.started, "INC-1's page") // the one worker is sending it
	ingest("fp2")                              // its page waits for the worker
	ingest("fp3")                              // the queue is full: no first step
	close(provider.release)
	await(t, provider.started, "INC-2's page")
	await(t, provider.started, "INC-3's page")
	stop()
	require.NoError(t, await(t, done, "stop of Run"))
	assert.Equal(t, []string{"esc/INC-3"}, log.claimedByClaimDue())
}
