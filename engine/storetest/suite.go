// Package storetest is the conformance suite every engine.Store passes: the
// same transitions, leases and generations, checked the same way, whatever
// holds the data.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// Factory opens a store for one test. Reopen, when not nil, closes the store
// and opens it again on the same data, as a restart would.
type Factory struct {
	Open   func(t *testing.T) engine.Store
	Reopen func(t *testing.T, s engine.Store) engine.Store
}

// T0 is the suite's starting time.
var T0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// Run runs the conformance suite.
func Run(t *testing.T, f Factory) {
	tests := map[string]func(*testing.T, Factory){
		"new alert opens an incident with its escalation due":       testOpen,
		"repeated alert is a duplicate":                             testDuplicate,
		"alert of an open group joins it":                           testJoin,
		"an incident lists each alert once, in the order it joined": testJoinListsOnce,
		"an incident of hundreds of alerts lists them all":          testJoinMany,
		"incident resolves when its last alert resolves":            testAutoResolve,
		"alert firing after its incident resolved opens a new one":  testRefire,
		"event pages nobody, and a later incident alert opens":      testEvent,
		"acknowledge stops escalation and bumps the generation":     testAcknowledge,
		"resolve by a person schedules notices":                     testResolve,
		"unknown incident is not found":                             testNotFound,
		"claimed timer is leased and claimed again after the lease": testLease,
		"completion with a lost lease is refused":                   testLostLease,
		"fenced completion of a stale generation changes nothing":   testFence,
		"a page key is created at most once":                        testPageOnce,
		"retry reschedules the timer":                               testRetry,
		"sent page sets the person's latest incident":               testLastPaged,
		"everything survives a reopen":                              testReopen,
		"a completion without a timer applies to its incident":      testApplyWithoutTimer,
		"a completion brings pending timers forward":                testDueNow,
		"a page named twice in one completion is recorded once":     testPageNamedTwice,
		"ack timeout triggers the incident again":                   testAckTimeout,
		"ack timeout after a resolve is stale":                      testAckTimeoutAfterResolveIsStale,
		"escalate runs the next step of a triggered incident now":   testEscalateTriggered,
		"escalate triggers an acknowledged incident again":          testEscalateAcknowledged,
		"a note is appended to the timeline":                        testAddNote,
		"alerts and events are readable":                            testAlertsAndEvents,
		"incidents are filtered and paged":                          testIncidentFilters,
		"purge removes old resolved incidents and events":           testPurge,
		"open incidents are counted by priority":                    testOpenCounts,
		"due timers are claimed by incident, with it":               testClaimDueBringsTheIncidents,
		"a completion claims the timers it makes due now":           testCompleteClaimsWhatItMakesDue,
		"a completion claims the timers it brings forward":          testCompleteClaimsWhatItBringsForward,
		"an ack timeout's completion claims its escalation":         testCompleteClaimsTheRetriggeredEscalation,
		"a stale completion claims nothing":                         testStaleCompletionClaimsNothing,
		"an ingest runs the first step of what it opens":            testIngestRunsTheFirstStep,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) { test(t, f) })
	}
}

var ctx = context.Background()

func alert(fp string, status engine.AlertStatus, group string) engine.Classified {
	return engine.Classified{
		Alert: engine.Alert{Source: "alertmanager", Fingerprint: fp, Status: status, Summary: "HighErrorRate",
			Labels: map[string]string{"alertname": "HighErrorRate"}, StartsAt: T0.Add(-time.Minute)},
		Priority: engine.P1, Service: "checkout", Policy: "payments/payments", GroupKey: group, Integration: "am",
	}
}

func ingest(t *testing.T, s engine.Store, now time.Time, alerts ...engine.Classified) []engine.IngestResult {
	t.Helper()
	res, err := s.Ingest(ctx, now, alerts)
	require.NoError(t, err)
	require.Len(t, res, len(alerts))
	return res
}

func incident(t *testing.T, s engine.Store, key string) engine.Incident {
	t.Helper()
	inc, err := s.Incident(ctx, key)
	require.NoError(t, err)
	return inc
}

// claim claims every timer due at now.
func claim(t *testing.T, s engine.Store, now time.Time) []engine.Timer {
	t.Helper()
	claims, err := s.ClaimDue(ctx, now, 10*time.Second, 100)
	require.NoError(t, err)
	return engine.TimersOf(claims)
}

func claimOne(t *testing.T, s engine.Store, now time.Time, id string) engine.Timer {
	t.Helper()
	for _, tm := range claim(t, s, now) {
		if tm.ID == id {
			return tm
		}
	}
	t.Fatalf("timer %s is not due at %s", id, now)
	return engine.Timer{}
}

func testOpen(t *testing.T, f Factory) {
	s := f.Open(t)
	res := ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.IngestResult{AlertID: "alertmanager/fp1", Outcome: engine.OutcomeOpened, Incident: "INC-1", Priority: engine.P1}, res[0])
	inc := incident(t, s, "INC-1")
	assert.Equal(t, engine.StateTriggered, inc.State)
	assert.Equal(t, int64(1), inc.Number)
	assert.Equal(t, "checkout", inc.Service)
	assert.Equal(t, "payments/payments", inc.Policy)
	assert.Equal(t, T0, inc.OpenedAt.UTC())
	assert.Equal(t, T0.Add(-time.Minute), inc.FirstAlertAt.UTC())
	assert.Equal(t, 1, inc.Firing)
	next, ok, err := s.NextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, T0, next.UTC())
	timers := claim(t, s, T0)
	require.Len(t, timers, 1)
	assert.Equal(t, engine.Timer{ID: "esc/INC-1", Kind: engine.TimerEscalate, Incident: "INC-1", Gen: inc.Gen,
		Due: T0, Claims: 1, Lease: timers[0].Lease, LeaseUntil: T0.Add(10 * time.Second)}, normalize(timers[0]))
	assert.NotEmpty(t, timers[0].Lease)
}

// normalize puts a timer's times in UTC for comparison.
func normalize(t engine.Timer) engine.Timer {
	t.Due, t.LeaseUntil = t.Due.UTC(), t.LeaseUntil.UTC()
	return t
}

func testDuplicate(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	res := ingest(t, s, T0.Add(time.Minute), alert("fp1", engine.AlertFiring, "g1"), alert("fp1", engine.AlertFiring, "g1"))
	for _, r := range res {
		assert.Equal(t, engine.OutcomeDuplicate, r.Outcome)
		assert.Equal(t, "INC-1", r.Incident)
	}
	inc := incident(t, s, "INC-1")
	assert.Len(t, inc.Timeline, 1)
	assert.Equal(t, 1, inc.Firing)
	list, err := s.Incidents(ctx, engine.IncidentFilter{})
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func testJoin(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	res := ingest(t, s, T0.Add(time.Minute), alert("fp2", engine.AlertFiring, "g1"), alert("fp3", engine.AlertFiring, "g2"))
	assert.Equal(t, engine.OutcomeJoined, res[0].Outcome)
	assert.Equal(t, "INC-1", res[0].Incident)
	assert.Equal(t, engine.OutcomeOpened, res[1].Outcome)
	assert.Equal(t, "INC-2", res[1].Incident)
	inc := incident(t, s, "INC-1")
	assert.Equal(t, []string{"alertmanager/fp1", "alertmanager/fp2"}, inc.Alerts)
	assert.Equal(t, 2, inc.Firing)
	assert.Equal(t, engine.EntryAlertJoined, inc.Timeline[1].Kind)
}

func testJoinListsOnce(t *testing.T, f Factory) {
	s := f.Open(t)
	// The second ID's JSON holds the third's, quotes and all; the fourth
	// joins, resolves and fires again while the incident is open.
	fps := []string{"fp1", `x","alertmanager/a`, "a", "fp2"}
	for i, fp := range fps {
		ingest(t, s, T0.Add(time.Duration(i)*time.Second), alert(fp, engine.AlertFiring, "g1"))
	}
	ingest(t, s, T0.Add(time.Minute), alert("fp2", engine.AlertResolved, "g1"))
	res := ingest(t, s, T0.Add(2*time.Minute), alert("fp2", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.OutcomeJoined, res[0].Outcome)
	inc := incident(t, s, "INC-1")
	want := make([]string, len(fps))
	for i, fp := range fps {
		want[i] = "alertmanager/" + fp
	}
	assert.Equal(t, want, inc.Alerts)
	assert.Equal(t, len(fps), inc.Firing)
}

// testJoinMany joins more alerts, one webhook each, than the Redis store
// keeps in one array of IDs, and than the embedded store scans; the first
// and the last join again after resolving, and a purge removes them all.
func testJoinMany(t *testing.T, f Factory) {
	s := f.Open(t)
	const n = 400
	want := make([]string, n)
	for i := range n {
		fp := fmt.Sprintf("storm-%04d", i)
		want[i] = "alertmanager/" + fp
		ingest(t, s, T0, alert(fp, engine.AlertFiring, "g1"))
	}
	for _, fp := range []string{"storm-0000", fmt.Sprintf("storm-%04d", n-1)} {
		ingest(t, s, T0, alert(fp, engine.AlertResolved, "g1"))
		ingest(t, s, T0, alert(fp, engine.AlertFiring, "g1"))
	}
	assert.Equal(t, want, incident(t, s, "INC-1").Alerts)

	_, err := s.Resolve(ctx, T0, "INC-1", alice)
	require.NoError(t, err)
	purged, err := s.Purge(ctx, T0.Add(time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, 1, purged)
	for _, id := range []string{want[0], want[n/2], want[n-1]} {
		_, err = s.Alert(ctx, id)
		require.ErrorIs(t, err, engine.ErrNotFound, id)
	}
}

func testAutoResolve(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"), alert("fp2", engine.AlertFiring, "g1"))
	res := ingest(t, s, T0.Add(time.Minute), alert("fp1", engine.AlertResolved, "g1"))
	assert.Equal(t, engine.OutcomeCleared, res[0].Outcome)
	assert.Equal(t, engine.StateTriggered, incident(t, s, "INC-1").State)
	res = ingest(t, s, T0.Add(2*time.Minute), alert("fp2", engine.AlertResolved, "g1"))
	assert.Equal(t, engine.OutcomeResolved, res[0].Outcome)
	inc := incident(t, s, "INC-1")
	assert.Equal(t, engine.StateResolved, inc.State)
	assert.Equal(t, T0.Add(2*time.Minute), inc.ResolvedAt.UTC())
	assert.Equal(t, "alertmanager", inc.ResolvedBy)
	// The escalation timer is gone; the notice fan-out is due.
	timers := claim(t, s, T0.Add(2*time.Minute))
	require.Len(t, timers, 1)
	assert.Equal(t, engine.TimerResolved, timers[0].Kind)
	// A resolved alert again is a duplicate.
	res = ingest(t, s, T0.Add(3*time.Minute), alert("fp2", engine.AlertResolved, "g1"))
	assert.Equal(t, engine.OutcomeDuplicate, res[0].Outcome)
}

func testRefire(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	ingest(t, s, T0.Add(time.Minute), alert("fp1", engine.AlertResolved, "g1"))
	res := ingest(t, s, T0.Add(2*time.Minute), alert("fp1", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.OutcomeOpened, res[0].Outcome)
	assert.Equal(t, "INC-2", res[0].Incident)
	open, err := s.Incidents(ctx, engine.IncidentFilter{Open: true})
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, "INC-2", open[0].Key)
}

func testEvent(t *testing.T, f Factory) {
	s := f.Open(t)
	ev := alert("fp1", engine.AlertFiring, "g1")
	ev.Priority, ev.Event = engine.P3, engine.EventLowPriority
	res := ingest(t, s, T0, ev, ev)
	assert.Equal(t, engine.OutcomeEvent, res[0].Outcome)
	assert.Equal(t, engine.OutcomeDuplicate, res[1].Outcome)
	assert.Empty(t, claim(t, s, T0))
	res = ingest(t, s, T0.Add(time.Minute), alert("fp2", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.OutcomeOpened, res[0].Outcome)
	// The event's own alert, now classified as an incident alert, joins.
	res = ingest(t, s, T0.Add(time.Minute), alert("fp1", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.OutcomeJoined, res[0].Outcome)
}

func testAcknowledge(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	before := incident(t, s, "INC-1")
	alice := engine.Actor{ID: "alice", Name: "Alice Chen", Channel: engine.ChannelSMS}
	inc, err := s.Acknowledge(ctx, T0.Add(time.Minute), "INC-1", alice, 0)
	require.NoError(t, err)
	assert.Equal(t, engine.StateAcknowledged, inc.State)
	assert.Equal(t, "alice", inc.Owner)
	assert.Equal(t, before.Gen+1, inc.Gen)
	assert.Empty(t, claim(t, s, T0.Add(time.Hour)), "no escalation after an ack")
	inc, err = s.Acknowledge(ctx, T0.Add(2*time.Minute), "INC-1", engine.Actor{ID: "bob"}, 0)
	require.ErrorIs(t, err, engine.ErrWrongState)
	assert.Equal(t, "alice", inc.Owner, "the first ack stands")
	assert.Equal(t, inc, incident(t, s, "INC-1"))
}

func testResolve(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	inc, err := s.Resolve(ctx, T0.Add(time.Minute), "INC-1", engine.Actor{ID: "alice", Name: "Alice Chen"})
	require.NoError(t, err)
	assert.Equal(t, engine.StateResolved, inc.State)
	assert.Equal(t, "Alice Chen", inc.ResolvedBy)
	_, err = s.Resolve(ctx, T0.Add(2*time.Minute), "INC-1", engine.Actor{ID: "bob"})
	require.ErrorIs(t, err, engine.ErrWrongState)
	_, err = s.Acknowledge(ctx, T0.Add(2*time.Minute), "INC-1", engine.Actor{ID: "bob"}, 0)
	require.ErrorIs(t, err, engine.ErrWrongState)
	timers := claim(t, s, T0.Add(time.Minute))
	require.Len(t, timers, 1)
	assert.Equal(t, "resolved/INC-1", timers[0].ID)
	// The group is closed: the same alert group opens a new incident.
	res := ingest(t, s, T0.Add(3*time.Minute), alert("fp2", engine.AlertFiring, "g1"))
	assert.Equal(t, "INC-2", res[0].Incident)
}

func testNotFound(t *testing.T, f Factory) {
	s := f.Open(t)
	_, err := s.Incident(ctx, "INC-9")
	require.ErrorIs(t, err, engine.ErrNotFound)
	_, err = s.Acknowledge(ctx, T0, "INC-9", engine.Actor{ID: "alice"}, 0)
	require.ErrorIs(t, err, engine.ErrNotFound)
	_, err = s.Resolve(ctx, T0, "INC-9", engine.Actor{ID: "alice"})
	require.ErrorIs(t, err, engine.ErrNotFound)
}

func testLease(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	first := claim(t, s, T0)
	require.Len(t, first, 1)
	assert.Empty(t, claim(t, s, T0.Add(9*time.Second)), "held while the lease lasts")
	next, ok, err := s.NextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, T0.Add(10*time.Second), next.UTC())
	again := claim(t, s, T0.Add(10*time.Second))
	require.Len(t, again, 1)
	assert.Equal(t, 2, again[0].Claims)
	assert.NotEqual(t, first[0].Lease, again[0].Lease)
}

func testLostLease(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	first := claim(t, s, T0)[0]
	claim(t, s, T0.Add(10*time.Second)) // another engine takes it over
	err := s.Complete(ctx, T0.Add(11*time.Second), engine.Completion{Timer: first,
		Entries: []engine.Entry{{At: T0, Kind: engine.EntryEscalated, Detail: "x"}}})
	require.ErrorIs(t, err, engine.ErrStale)
	assert.Len(t, incident(t, s, "INC-1").Timeline, 1, "nothing applied")
}

func testFence(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	tm := claim(t, s, T0)[0]
	_, err := s.Acknowledge(ctx, T0, "INC-1", engine.Actor{ID: "alice"}, 0)
	require.NoError(t, err)
	page := engine.Timer{ID: "page/x", Kind: engine.TimerPage, Incident: "INC-1", Gen: tm.Gen, Due: T0}
	err = s.Complete(ctx, T0, engine.Completion{Timer: tm, Fenced: true, Timers: []engine.Timer{page},
		Position: &engine.Position{Step: 1}})
	require.ErrorIs(t, err, engine.ErrStale)
	inc := incident(t, s, "INC-1")
	assert.Equal(t, 0, inc.Step)
	assert.Empty(t, claim(t, s, T0.Add(time.Hour)), "neither the new timer nor the old one remains")
}

// escalateOnce completes the escalation timer of INC-1 with one page.
func escalateOnce(t *testing.T, s engine.Store, now time.Time, key string) error {
	tm := claimOne(t, s, now, "esc/INC-1")
	page := engine.Page{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PagePending, At: now}
	return s.Complete(ctx, now, engine.Completion{Timer: tm, Fenced: true,
		Position: &engine.Position{Step: 1},
		Pages:    []engine.Page{page},
		Timers: []engine.Timer{
			{ID: key, Kind: engine.TimerPage, Incident: "INC-1", Gen: tm.Gen, Due: now, Person: "alice", Channel: engine.ChannelSMS},
			{ID: "esc/INC-1", Kind: engine.TimerEscalate, Incident: "INC-1", Gen: tm.Gen, Due: now.Add(5 * time.Minute), Step: 1},
		}})
}

func testPageOnce(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	key := "page/INC-1/g1/r0/s0/alice/sms"
	require.NoError(t, escalateOnce(t, s, T0, key))
	inc := incident(t, s, "INC-1")
	assert.Equal(t, 1, inc.Step)
	require.Len(t, inc.Pages, 1)
	pageTimer := claimOne(t, s, T0, key)
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: pageTimer, Pages: []engine.Page{
		{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PageSent, At: T0}}}))

	// The same escalation decided again (say, by a replica that lost its
	// lease) creates no second page.
	require.NoError(t, escalateOnce(t, s, T0.Add(5*time.Minute), key))
	inc = incident(t, s, "INC-1")
	require.Len(t, inc.Pages, 1)
	assert.Equal(t, engine.PageSent, inc.Pages[0].Status, "a pending page never overwrites a sent one")
	for _, tm := range claim(t, s, T0.Add(time.Hour)) {
		assert.NotEqual(t, key, tm.ID)
	}
}

func testRetry(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	key := "page/INC-1/g1/r0/s0/alice/sms"
	require.NoError(t, escalateOnce(t, s, T0, key))
	tm := claimOne(t, s, T0, key)
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: tm, RetryAt: T0.Add(4 * time.Second)}))
	assert.Empty(t, claim(t, s, T0.Add(3*time.Second)))
	again := claim(t, s, T0.Add(4*time.Second))
	require.Len(t, again, 1)
	assert.Equal(t, 1, again[0].Attempt)
	assert.Equal(t, 1, again[0].Claims, "a rescheduled timer starts its claims afresh")
}

func testLastPaged(t *testing.T, f Factory) {
	s := f.Open(t)
	last, err := s.LastPaged(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, last)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	key := "page/INC-1/g1/r0/s0/alice/sms"
	require.NoError(t, escalateOnce(t, s, T0, key))
	last, err = s.LastPaged(ctx, "alice")
	require.NoError(t, err)
	assert.Empty(t, last, "a pending page is not a page received")
	tm := claimOne(t, s, T0, key)
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: tm, Pages: []engine.Page{
		{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PageSent, At: T0}}}))
	last, err = s.LastPaged(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, "INC-1", last)
}

func testReopen(t *testing.T, f Factory) {
	if f.Reopen == nil {
		t.Skip("store has no reopen")
	}
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"), alert("fp2", engine.AlertFiring, "g2"))
	_, err := s.Acknowledge(ctx, T0, "INC-1", engine.Actor{ID: "alice"}, 0)
	require.NoError(t, err)
	held := claim(t, s, T0)
	require.Len(t, held, 1)

	s = f.Reopen(t, s)
	assert.Equal(t, engine.StateAcknowledged, incident(t, s, "INC-1").State)
	assert.Empty(t, claim(t, s, T0.Add(time.Second)), "the lease survives the restart")
	again := claim(t, s, T0.Add(10*time.Second))
	require.Len(t, again, 1)
	assert.Equal(t, "esc/INC-2", again[0].ID)
	assert.Equal(t, 2, again[0].Claims)
	res := ingest(t, s, T0.Add(time.Minute), alert("fp2", engine.AlertFiring, "g2"), alert("fp3", engine.AlertFiring, "g3"))
	assert.Equal(t, engine.OutcomeDuplicate, res[0].Outcome)
	assert.Equal(t, "INC-3", res[1].Incident, "the incident sequence survives")
}
