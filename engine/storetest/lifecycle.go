package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

var alice = engine.Actor{ID: "alice", Name: "Alice Chen", Channel: engine.ChannelSMS}

func testAckTimeout(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	claimed := claimOne(t, s, T0, "esc/INC-1")
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: claimed, Fenced: true,
		Position: &engine.Position{Step: 2}}))
	acked, err := s.Acknowledge(ctx, T0.Add(time.Minute), "INC-1", alice, 30*time.Minute)
	require.NoError(t, err)
	assert.Empty(t, claim(t, s, T0.Add(30*time.Minute)), "not before the ack timeout")

	tm := claimOne(t, s, T0.Add(31*time.Minute), "esc/INC-1")
	assert.Equal(t, engine.TimerAckTimeout, tm.Kind)
	assert.Equal(t, acked.Gen, tm.Gen)
	require.NoError(t, s.Complete(ctx, T0.Add(31*time.Minute), engine.Completion{Timer: tm, Retrigger: true,
		Entries: []engine.Entry{{At: T0.Add(31 * time.Minute), Kind: engine.EntryEscalated, Detail: "ack timed out"}}}))
	inc := incident(t, s, "INC-1")
	assert.Equal(t, engine.StateTriggered, inc.State)
	assert.Equal(t, acked.Gen+1, inc.Gen)
	assert.Equal(t, "alice", inc.Owner, "the owner is kept")
	assert.Equal(t, engine.Position{}, engine.Position{Round: inc.Round, Step: inc.Step}, "escalation restarts at the first step")
	esc := claimOne(t, s, T0.Add(31*time.Minute), "esc/INC-1")
	assert.Equal(t, engine.TimerEscalate, esc.Kind)
	assert.Equal(t, inc.Gen, esc.Gen)
}

func testAckTimeoutAfterResolveIsStale(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	_, err := s.Acknowledge(ctx, T0, "INC-1", alice, time.Minute)
	require.NoError(t, err)
	tm := claimOne(t, s, T0.Add(time.Minute), "esc/INC-1")
	_, err = s.Resolve(ctx, T0.Add(time.Minute), "INC-1", alice)
	require.NoError(t, err)
	err = s.Complete(ctx, T0.Add(time.Minute), engine.Completion{Timer: tm, Retrigger: true})
	require.ErrorIs(t, err, engine.ErrStale)
	assert.Equal(t, engine.StateResolved, incident(t, s, "INC-1").State)
}

func testEscalateTriggered(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	require.NoError(t, escalateOnce(t, s, T0, "page/INC-1/g1/r0/s0/alice/sms"))
	before := incident(t, s, "INC-1")
	inc, err := s.Escalate(ctx, T0.Add(time.Minute), "INC-1", alice)
	require.NoError(t, err)
	assert.Equal(t, before.Gen, inc.Gen, "a triggered incident keeps its generation")
	assert.Equal(t, engine.EntryEscalated, inc.Timeline[len(inc.Timeline)-1].Kind)
	tm := claimOne(t, s, T0.Add(time.Minute), "esc/INC-1")
	assert.Equal(t, 1, tm.Step, "the step that was next runs now")
	assert.Equal(t, inc.Gen, tm.Gen)
}

func testEscalateAcknowledged(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	require.NoError(t, escalateOnce(t, s, T0, "page/INC-1/g1/r0/s0/alice/sms"))
	acked, err := s.Acknowledge(ctx, T0, "INC-1", alice, 30*time.Minute)
	require.NoError(t, err)
	inc, err := s.Escalate(ctx, T0.Add(time.Minute), "INC-1", alice)
	require.NoError(t, err)
	assert.Equal(t, engine.StateTriggered, inc.State)
	assert.Equal(t, acked.Gen+1, inc.Gen)
	tm := claimOne(t, s, T0.Add(time.Minute), "esc/INC-1")
	assert.Equal(t, engine.TimerEscalate, tm.Kind, "the ack timeout is replaced")
	assert.Equal(t, 1, tm.Step)
	assert.Equal(t, inc.Gen, tm.Gen)

	_, err = s.Resolve(ctx, T0.Add(2*time.Minute), "INC-1", alice)
	require.NoError(t, err)
	_, err = s.Escalate(ctx, T0.Add(3*time.Minute), "INC-1", alice)
	require.ErrorIs(t, err, engine.ErrWrongState)
	_, err = s.Escalate(ctx, T0, "INC-9", alice)
	require.ErrorIs(t, err, engine.ErrNotFound)
}

func testAddNote(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	note := engine.Entry{At: T0.Add(time.Minute), Kind: engine.EntryNote, Actor: "alice", Detail: "rolling back"}
	inc, err := s.AddNote(ctx, "INC-1", note)
	require.NoError(t, err)
	assert.Equal(t, "rolling back", inc.Timeline[len(inc.Timeline)-1].Detail)
	assert.Equal(t, inc, incident(t, s, "INC-1"))
	_, err = s.AddNote(ctx, "INC-9", note)
	require.ErrorIs(t, err, engine.ErrNotFound)
}

func testAlertsAndEvents(t *testing.T, f Factory) {
	s := f.Open(t)
	ev := alert("fp1", engine.AlertFiring, "g1")
	ev.Priority, ev.Event = engine.P3, engine.EventLowPriority
	other := alert("fp3", engine.AlertFiring, "g3")
	other.Priority, other.Event, other.Service = engine.P1, engine.EventMaintenance, "web"
	ingest(t, s, T0, ev, alert("fp2", engine.AlertFiring, "g2"))
	ingest(t, s, T0.Add(time.Minute), other)

	a, err := s.Alert(ctx, "alertmanager/fp2")
	require.NoError(t, err)
	assert.Equal(t, "INC-1", a.Incident)
	assert.Equal(t, int64(1), a.Count)
	_, err = s.Alert(ctx, "alertmanager/none")
	require.ErrorIs(t, err, engine.ErrNotFound)

	events, err := s.Events(ctx, engine.EventFilter{})
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.Equal(t, "alertmanager/fp3", events[0].ID(), "most recently seen first")
	assert.Equal(t, engine.EventMaintenance, events[0].Event)
	events, err = s.Events(ctx, engine.EventFilter{Service: "checkout"})
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, "alertmanager/fp1", events[0].ID())
	events, err = s.Events(ctx, engine.EventFilter{Since: T0.Add(time.Minute), Limit: 5})
	require.NoError(t, err)
	assert.Len(t, events, 1)
}

func testIncidentFilters(t *testing.T, f Factory) {
	s := f.Open(t)
	p0 := alert("fp2", engine.AlertFiring, "g2")
	p0.Priority, p0.Service = engine.P0, "web"
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	ingest(t, s, T0.Add(time.Hour), p0, alert("fp3", engine.AlertFiring, "g3"))
	_, err := s.Resolve(ctx, T0.Add(time.Hour), "INC-3", alice)
	require.NoError(t, err)
	keys := func(f engine.IncidentFilter) []string {
		list, err := s.Incidents(ctx, f)
		require.NoError(t, err)
		var out []string
		for _, inc := range list {
			out = append(out, inc.Key)
		}
		return out
	}
	p0v := engine.P0
	assert.Equal(t, []string{"INC-3", "INC-2", "INC-1"}, keys(engine.IncidentFilter{}))
	assert.Equal(t, []string{"INC-2", "INC-1"}, keys(engine.IncidentFilter{Open: true}))
	assert.Equal(t, []string{"INC-3"}, keys(engine.IncidentFilter{State: engine.StateResolved}))
	assert.Equal(t, []string{"INC-2"}, keys(engine.IncidentFilter{Service: "web"}))
	assert.Equal(t, []string{"INC-2"}, keys(engine.IncidentFilter{Priority: &p0v}))
	assert.Equal(t, []string{"INC-3", "INC-2"}, keys(engine.IncidentFilter{Since: T0.Add(time.Hour)}))
	assert.Equal(t, []string{"INC-2"}, keys(engine.IncidentFilter{Before: 3, Limit: 1}))
	assert.Equal(t, []string{"INC-1"}, keys(engine.IncidentFilter{Before: 2}))
}

func testPurge(t *testing.T, f Factory) {
	s := f.Open(t)
	ev := alert("fp9", engine.AlertFiring, "g9")
	ev.Priority, ev.Event = engine.P3, engine.EventLowPriority
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"), alert("fp2", engine.AlertFiring, "g2"), ev)
	_, err := s.Resolve(ctx, T0.Add(time.Hour), "INC-1", alice)
	require.NoError(t, err)

	n, err := s.Purge(ctx, T0.Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the event is older than the cutoff")
	_, err = s.Incident(ctx, "INC-1")
	require.NoError(t, err, "resolved at the cutoff: kept")

	n, err = s.Purge(ctx, T0.Add(31*24*time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = s.Incident(ctx, "INC-1")
	require.ErrorIs(t, err, engine.ErrNotFound)
	_, err = s.Alert(ctx, "alertmanager/fp1")
	require.ErrorIs(t, err, engine.ErrNotFound)
	inc := incident(t, s, "INC-2")
	assert.True(t, inc.Open(), "open incidents are never removed")
	_, err = s.Alert(ctx, "alertmanager/fp2")
	require.NoError(t, err)

	// A purged alert firing again opens a new incident.
	res := ingest(t, s, T0.Add(32*24*time.Hour), alert("fp1", engine.AlertFiring, "g1"))
	assert.Equal(t, engine.OutcomeOpened, res[0].Outcome)
	assert.Equal(t, "INC-3", res[0].Incident)
}

func testOpenCounts(t *testing.T, f Factory) {
	s := f.Open(t)
	p0 := alert("fp2", engine.AlertFiring, "g2")
	p0.Priority = engine.P0
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"), p0, alert("fp3", engine.AlertFiring, "g3"))
	_, err := s.Resolve(ctx, T0, "INC-3", alice)
	require.NoError(t, err)
	ingest(t, s, T0, alert("fp1", engine.AlertResolved, "g1"))
	counts, err := s.OpenCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[engine.Priority]int{engine.P0: 1}, counts)
}
