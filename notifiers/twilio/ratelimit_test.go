package twilio_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/enginetest"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

// waitClock is a fake engine.Clock that reports every wait asked of it;
// the test decides when a wait is over, and the clock moves by that wait.
type waitClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan clockWait
}

// clockWait is one call to Until: how long it asked to wait.
type clockWait struct {
	d    time.Duration
	over func()
}

var _ engine.Clock = (*waitClock)(nil)

func newWaitClock() *waitClock {
	return &waitClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), waits: make(chan clockWait, 16)}
}

func (c *waitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *waitClock) Until(at time.Time) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits <- clockWait{d: at.Sub(c.Now()), over: func() {
		c.mu.Lock()
		if at.After(c.now) {
			c.now = at
		}
		now := c.now
		c.mu.Unlock()
		ch <- now
	}}
	return ch
}

// nextWait returns the next wait asked of the clock, failing the test if
// none comes within a generous deadline.
func (c *waitClock) nextWait(t *testing.T) clockWait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(30 * time.Second):
		t.Fatal("no send waited on the clock")
		return clockWait{}
	}
}

// pacedSender returns a Sender with one number at 1 a second on clock.
func pacedSender(t *testing.T, apiURL string, clock engine.Clock) *twilio.Sender {
	t.Helper()
	s, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: []string{"+15550001111"},
		APIURL: apiURL, PublicURL: publicURL, Clock: clock})
	require.NoError(t, err)
	return s
}

// result is what one Send returned.
type result struct {
	id    string
	retry bool
	err   error
}

func sendAsync(ctx context.Context, s *twilio.Sender, m engine.Message) <-chan result {
	done := make(chan result, 1)
	go func() {
		id, retry, err := s.Send(ctx, m)
		done <- result{id, retry, err}
	}()
	return done
}

func TestSendWaitsForTheNumbersNextSlot(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	clock := newWaitClock()
	s := pacedSender(t, fake.URL(), clock)
	_, _, err := s.Send(context.Background(), sms(alice, "first"))
	require.NoError(t, err)

	done := sendAsync(context.Background(), s, sms(alice, "second"))
	w := clock.nextWait(t)
	assert.Equal(t, time.Second, w.d, "default is 1 message a second")
	assert.Len(t, fake.Messages(), 1, "the second waits for its slot")
	w.over()
	r := <-done
	require.NoError(t, r.err)
	assert.Len(t, fake.Messages(), 2)
}

func TestCallsShareTheNumbersBudget(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	clock := newWaitClock()
	s := pacedSender(t, fake.URL(), clock)
	_, _, err := s.Send(context.Background(), sms(alice, "first"))
	require.NoError(t, err)

	done := sendAsync(context.Background(), s, voice(alice, "INC-42"))
	w := clock.nextWait(t)
	assert.Equal(t, time.Second, w.d)
	assert.Empty(t, fake.Calls())
	w.over()
	require.NoError(t, (<-done).err)
	assert.Len(t, fake.Calls(), 1)
}

func TestSendThatEndsWhileWaitingIsRetriedAndFreesItsSlot(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	clock := newWaitClock()
	s := pacedSender(t, fake.URL(), clock)
	_, _, err := s.Send(context.Background(), sms(alice, "first"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := sendAsync(ctx, s, sms(alice, "second"))
	clock.nextWait(t)
	cancel()
	r := <-done
	require.ErrorIs(t, r.err, context.Canceled)
	assert.True(t, r.retry, "a page that could not wait is retried, never dropped")
	assert.Contains(t, r.err.Error(), "messages_per_second")
	assert.Len(t, fake.Messages(), 1)

	done = sendAsync(context.Background(), s, sms(alice, "third"))
	w := clock.nextWait(t)
	assert.Equal(t, time.Second, w.d, "the abandoned slot was given back")
	w.over()
	require.NoError(t, (<-done).err)
}

// TestConcurrentSendsAllGoOut sends many pages at once through two numbers
// at a high rate on the machine's clock: every one goes out, from both
// numbers. It asserts nothing about timing.
func TestConcurrentSendsAllGoOut(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken,
		From: []string{"+15550001111", "+15550002222"}, APIURL: fake.URL(), PublicURL: publicURL, MessagesPerSecond: 500})
	require.NoError(t, err)
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, _, err := s.Send(context.Background(), sms(alice, "page"))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	from := map[string]int{}
	for _, m := range fake.Messages() {
		from[m.From]++
	}
	assert.Equal(t, n, from["+15550001111"]+from["+15550002222"], "none is dropped")
	assert.Positive(t, from["+15550001111"])
	assert.Positive(t, from["+15550002222"])
}

// movingClock is a fake clock that, once armed, moves forward by step
// just after it is next read, as when a test moves the clock just after a
// send has read it.
type movingClock struct {
	*enginetest.Clock
	step  time.Duration
	armed atomic.Bool
}

func (c *movingClock) Now() time.Time {
	now := c.Clock.Now()
	if c.armed.CompareAndSwap(true, false) {
		c.Advance(c.step)
	}
	return now
}

// A send waits until its slot's instant: time that passes between reading
// the clock and starting to wait counts towards the wait. Were the wait a
// duration started late, this send would wait for a second the clock never
// moves.
func TestTimePassingBeforeTheWaitCountsTowardsIt(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	clock := &movingClock{Clock: enginetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)), step: time.Second}
	s := pacedSender(t, fake.URL(), clock)
	_, _, err := s.Send(context.Background(), sms(alice, "first"))
	require.NoError(t, err)

	clock.armed.Store(true)
	select {
	case r := <-sendAsync(context.Background(), s, sms(alice, "second")):
		require.NoError(t, r.err)
	case <-time.After(30 * time.Second):
		t.Fatal("the second send still waits, though its slot has come")
	}
	assert.Len(t, fake.Messages(), 2)
}

// A page that had to wait for its slot is sent only if it is still wanted
// then; one that did not wait is sent without asking again.
func TestOnlyAPageThatWaitedIsAskedWhetherItIsStillWanted(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	clock := newWaitClock()
	s := pacedSender(t, fake.URL(), clock)
	var asked atomic.Int32
	unwanted := func(m engine.Message) engine.Message {
		m.Wanted = func() bool { asked.Add(1); return false }
		return m
	}
	_, _, err := s.Send(context.Background(), unwanted(sms(alice, "first")))
	require.NoError(t, err)
	assert.Zero(t, asked.Load(), "a page sent at once is not asked")

	done := sendAsync(context.Background(), s, unwanted(sms(alice, "second")))
	clock.nextWait(t).over()
	r := <-done
	require.ErrorIs(t, r.err, engine.ErrNotWanted)
	assert.Equal(t, int32(1), asked.Load())
	assert.Len(t, fake.Messages(), 1, "the page no longer wanted was not sent")
}
