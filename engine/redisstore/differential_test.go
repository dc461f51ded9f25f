package redisstore_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/engine/storetest"
	"github.com/klaxonhq/klaxon/internal/redistest"
)

// TestSameAsEmbedded drives the Redis store and the embedded store through
// the same random transitions and compares every answer and, after each
// step, everything readable: the embedded store defines the behaviour.
func TestSameAsEmbedded(t *testing.T) {
	srv := redistest.Shared(t)
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			emb, err := embedded.Open(t.TempDir(), embedded.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { emb.Close() })
			red := open(t, srv.URL(), redisstore.Options{Prefix: newPrefix(), TimerShards: 3})
			d := &twin{t: t, rnd: rand.New(rand.NewPCG(seed, 42)), stores: [2]engine.Store{emb, red}, now: storetest.T0}
			for step := range 400 {
				d.step(step)
				d.compareState(step)
			}
		})
	}
}

// twin is two stores driven alike.
type twin struct {
	t      *testing.T
	rnd    *rand.Rand
	stores [2]engine.Store
	now    time.Time
	held   [2][]engine.Timer // claimed and not completed, per store, in the same order
	// incidents counts the incidents opened.
	incidents int
}

func (d *twin) step(step int) {
	switch n := d.rnd.IntN(14); {
	case n < 4:
		d.ingest(step)
	case n == 4:
		d.ack(step)
	case n == 5:
		d.resolve(step)
	case n == 6:
		d.escalate(step)
	case n == 7:
		d.note(step)
	case n == 8:
		d.claim(step)
	case n < 11:
		d.complete(step)
	case n == 11:
		d.purge(step)
	default:
		d.now = d.now.Add(time.Duration(d.rnd.IntN(40)) * time.Second)
	}
}

func (d *twin) ingest(step int) {
	batch := make([]engine.Classified, 1+d.rnd.IntN(4))
	for i := range batch {
		a := engine.Classified{
			Alert: engine.Alert{Source: "am", Fingerprint: fmt.Sprint("fp", d.rnd.IntN(8)), Status: engine.AlertFiring,
				Summary: fmt.Sprint("summary ", d.rnd.IntN(3)), StartsAt: d.now.Add(-time.Minute)},
			Priority: engine.P1, Service: "checkout", GroupKey: fmt.Sprint("g", d.rnd.IntN(3)), Integration: "am",
		}
		if d.rnd.IntN(3) == 0 {
			a.Status, a.EndsAt = engine.AlertResolved, d.now
		}
		if d.rnd.IntN(6) == 0 {
			a.Priority, a.Event = engine.P3, engine.EventLowPriority
		}
		batch[i] = a
	}
	var res [2][]engine.IngestResult
	for i, s := range d.stores {
		var err error
		res[i], err = s.Ingest(ctx, d.now, batch)
		require.NoError(d.t, err)
	}
	require.Equal(d.t, res[0], res[1], "step %d: ingest", step)
	for _, r := range res[0] {
		if r.Outcome == engine.OutcomeOpened {
			d.incidents++
		}
	}
}

// incidentKey picks an incident, now and then one that does not exist.
func (d *twin) incidentKey() string { return fmt.Sprint("INC-", 1+d.rnd.IntN(d.incidents+1)) }

func (d *twin) ack(step int) {
	key, by := d.incidentKey(), engine.Actor{ID: "alice", Name: "Alice", Channel: engine.ChannelSMS}
	timeout := time.Duration(d.rnd.IntN(3)) * 20 * time.Second
	d.compareAnswers(step, "acknowledge "+key, func(s engine.Store) (engine.Incident, error) {
		return s.Acknowledge(ctx, d.now, key, by, timeout)
	})
}

func (d *twin) escalate(step int) {
	key, by := d.incidentKey(), engine.Actor{ID: "carol", Name: "Carol", Channel: engine.ChannelVoice}
	d.compareAnswers(step, "escalate "+key, func(s engine.Store) (engine.Incident, error) {
		return s.Escalate(ctx, d.now, key, by)
	})
}

func (d *twin) note(step int) {
	key, note := d.incidentKey(), engine.Entry{At: d.now, Kind: engine.EntryNote, Actor: "alice", Detail: "looking"}
	d.compareAnswers(step, "note "+key, func(s engine.Store) (engine.Incident, error) {
		return s.AddNote(ctx, key, note)
	})
}

// purge purges alike in both stores: with a max above what can go, both
// remove the same.
func (d *twin) purge(step int) {
	before := d.now.Add(-time.Duration(d.rnd.IntN(300)) * time.Second)
	var n [2]int
	for i, s := range d.stores {
		var err error
		n[i], err = s.Purge(ctx, before, 1000)
		require.NoError(d.t, err)
	}
	require.Equal(d.t, n[0], n[1], "step %d: purge", step)
}

func (d *twin) resolve(step int) {
	key, by := d.incidentKey(), engine.Actor{ID: "bob", Name: "Bob"}
	d.compareAnswers(step, "resolve "+key, func(s engine.Store) (engine.Incident, error) {
		return s.Resolve(ctx, d.now, key, by)
	})
}

func (d *twin) compareAnswers(step int, what string, f func(engine.Store) (engine.Incident, error)) {
	var incs [2]engine.Incident
	var errs [2]error
	for i, s := range d.stores {
		incs[i], errs[i] = f(s)
	}
	require.Equal(d.t, errClass(errs[0]), errClass(errs[1]), "step %d: %s: %v / %v", step, what, errs[0], errs[1])
	require.Equal(d.t, incs[0], incs[1], "step %d: %s", step, what)
}

func errClass(err error) string {
	for _, e := range []error{engine.ErrNotFound, engine.ErrWrongState, engine.ErrStale, engine.ErrUnavailable} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "nil"
}

// claim claims every due timer in both stores: with a max above the number
// due, both claim the same timers, whatever order they visit them in, and
// bring the same incidents with them.
func (d *twin) claim(step int) {
	var got [2][]engine.Timer
	var brought [2]map[string]*engine.Incident
	for i, s := range d.stores {
		claims, err := s.ClaimDue(ctx, d.now, 10*time.Second, 1000)
		require.NoError(d.t, err)
		brought[i] = map[string]*engine.Incident{}
		for _, c := range claims {
			brought[i][c.Timers[0].Incident] = c.Incident
		}
		timers := engine.TimersOf(claims)
		slices.SortFunc(timers, func(a, b engine.Timer) int { return strings.Compare(a.ID, b.ID) })
		got[i] = timers
		d.held[i] = append(d.held[i], timers...)
	}
	require.Equal(d.t, withoutLeases(got[0]), withoutLeases(got[1]), "step %d: claim", step)
	require.Equal(d.t, brought[0], brought[1], "step %d: incidents claimed with", step)
}

func withoutLeases(timers []engine.Timer) []engine.Timer {
	out := make([]engine.Timer, len(timers))
	for i, t := range timers {
		t.Lease, t.Due, t.LeaseUntil = "", t.Due.UTC(), t.LeaseUntil.UTC()
		out[i] = t
	}
	return out
}

// complete completes one held timer alike in both stores, each with its
// own lease; half the time it also claims what the completion makes due,
// which both stores must claim alike.
func (d *twin) complete(step int) {
	if len(d.held[0]) == 0 || d.rnd.IntN(5) == 0 {
		d.report(step)
		return
	}
	i := d.rnd.IntN(len(d.held[0]))
	cp := d.completion(d.held[0][i])
	lease := time.Duration(d.rnd.IntN(2)) * 10 * time.Second
	var errs [2]error
	var claimed [2]engine.Claimed
	for j, s := range d.stores {
		cp.Timer = d.held[j][i]
		claimed[j], errs[j] = s.CompleteAndClaim(ctx, d.now, cp, lease)
		d.held[j] = append(slices.Delete(d.held[j], i, i+1), claimed[j].Timers...)
	}
	require.Equal(d.t, errClass(errs[0]), errClass(errs[1]), "step %d: complete %s: %v / %v", step, cp.Timer.ID, errs[0], errs[1])
	require.Equal(d.t, withoutLeases(claimed[0].Timers), withoutLeases(claimed[1].Timers), "step %d: complete %s: claimed", step, cp.Timer.ID)
	require.Equal(d.t, claimed[0].Incident, claimed[1].Incident, "step %d: complete %s: incident claimed with", step, cp.Timer.ID)
}

// report applies a completion without a timer, as a delivery report does.
func (d *twin) report(step int) {
	key := d.incidentKey()
	cp := d.completion(engine.Timer{Incident: key, Gen: 1})
	cp.Fenced, cp.Retrigger, cp.RetryAt, cp.Incident = false, false, time.Time{}, key
	var errs [2]error
	for i, s := range d.stores {
		errs[i] = s.Complete(ctx, d.now, cp)
	}
	require.Equal(d.t, errClass(errs[0]), errClass(errs[1]), "step %d: report to %s: %v / %v", step, key, errs[0], errs[1])
}

// completion makes up what running tm decided.
func (d *twin) completion(tm engine.Timer) engine.Completion {
	// The engine retriggers with an ack timeout and fences the rest, but
	// any combination must behave alike.
	cp := engine.Completion{Fenced: d.rnd.IntN(2) == 0, Retrigger: tm.Kind == engine.TimerAckTimeout}
	if cp.Retrigger && d.rnd.IntN(4) > 0 {
		cp.Fenced = false
	}
	if d.rnd.IntN(4) == 0 {
		cp.RetryAt = d.now.Add(time.Duration(1+d.rnd.IntN(10)) * time.Second)
	}
	if d.rnd.IntN(2) == 0 {
		cp.Position = &engine.Position{Round: d.rnd.IntN(2), Step: d.rnd.IntN(3)}
	}
	cp.Entries = []engine.Entry{{At: d.now, Kind: engine.EntryEscalated, Detail: fmt.Sprint("step ", d.rnd.IntN(3))}}
	statuses := []engine.PageStatus{engine.PagePending, engine.PageSent, engine.PageFailed}
	for range d.rnd.IntN(3) {
		person := fmt.Sprint("p", d.rnd.IntN(3))
		key := engine.PageKey(tm.Incident, tm.Gen, 0, d.rnd.IntN(2), person, engine.ChannelSMS)
		cp.Pages = append(cp.Pages, engine.Page{Key: key, Person: person, Channel: engine.ChannelSMS,
			Status: statuses[d.rnd.IntN(3)], At: d.now})
		cp.Timers = append(cp.Timers, engine.Timer{ID: key, Kind: engine.TimerPage, Incident: tm.Incident,
			Gen: tm.Gen, Due: d.now.Add(time.Duration(d.rnd.IntN(5)) * time.Second), Person: person, Channel: engine.ChannelSMS})
	}
	if d.rnd.IntN(2) == 0 {
		cp.Timers = append(cp.Timers, engine.Timer{ID: engine.EscalationTimerID(tm.Incident), Kind: engine.TimerEscalate,
			Incident: tm.Incident, Gen: tm.Gen, Due: d.now.Add(time.Minute), Step: 1})
	}
	for _, t := range cp.Timers {
		if d.rnd.IntN(3) == 0 {
			cp.DueNow = append(cp.DueNow, t.ID)
		}
	}
	return cp
}

// compareState compares everything the stores can be asked.
func (d *twin) compareState(step int) {
	var lists [2][]engine.Incident
	var next [2]time.Time
	var paged [2][]string
	for i, s := range d.stores {
		var err error
		lists[i], err = s.Incidents(ctx, engine.IncidentFilter{})
		require.NoError(d.t, err)
		due, ok, err := s.NextDue(ctx)
		require.NoError(d.t, err)
		if ok {
			next[i] = due.UTC()
		}
		for p := range 3 {
			last, err := s.LastPaged(ctx, fmt.Sprint("p", p))
			require.NoError(d.t, err)
			paged[i] = append(paged[i], last)
		}
	}
	require.Equal(d.t, lists[0], lists[1], "step %d: incidents", step)
	require.Equal(d.t, next[0], next[1], "step %d: next due", step)
	require.Equal(d.t, paged[0], paged[1], "step %d: last paged", step)
	d.compareAlerts(step)
	for _, f := range []engine.IncidentFilter{{Open: true}, {State: engine.StateAcknowledged, Limit: 2}} {
		a, err := d.stores[0].Incidents(ctx, f)
		require.NoError(d.t, err)
		b, err := d.stores[1].Incidents(ctx, f)
		require.NoError(d.t, err)
		require.Equal(d.t, a, b, "step %d: incidents %+v", step, f)
	}
}

// compareAlerts compares every alert record and the events.
func (d *twin) compareAlerts(step int) {
	for i := range 8 {
		id := fmt.Sprint("am/fp", i)
		a, errA := d.stores[0].Alert(ctx, id)
		b, errB := d.stores[1].Alert(ctx, id)
		require.Equal(d.t, errClass(errA), errClass(errB), "step %d: alert %s", step, id)
		require.Equal(d.t, a, b, "step %d: alert %s", step, id)
	}
	// Events seen in the same instant come in any order from either store,
	// and a limit may cut between them: the limited list is compared by
	// times only.
	for _, f := range []engine.EventFilter{{}, {Since: d.now.Add(-time.Minute), Limit: 2}} {
		a, err := d.stores[0].Events(ctx, f)
		require.NoError(d.t, err)
		b, err := d.stores[1].Events(ctx, f)
		require.NoError(d.t, err)
		require.Equal(d.t, eventIDs(a, f.Limit == 0), eventIDs(b, f.Limit == 0), "step %d: events %+v", step, f)
	}
}

// eventIDs lists events' times, and with ids their IDs, in a fixed order.
func eventIDs(events []engine.AlertRecord, ids bool) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.LastSeen.UTC().Format(time.RFC3339Nano)
		if ids {
			out[i] += " " + e.ID()
		}
	}
	slices.Sort(out)
	return out
}
