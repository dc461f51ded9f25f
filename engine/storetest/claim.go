package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// lease is the lease of the suite's claims.
const lease = 10 * time.Second

// testClaimDueBringsTheIncidents: ClaimDue hands back its timers by
// incident, each incident once, as it stands.
func testClaimDueBringsTheIncidents(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"), alert("fp2", engine.AlertFiring, "g2"))
	reminder := engine.Timer{ID: "reminder/INC-1", Kind: engine.TimerReminder, Incident: "INC-1", Gen: 1, Due: T0}
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Incident: "INC-1", Timers: []engine.Timer{reminder}}))

	claims, err := s.ClaimDue(ctx, T0, lease, 10)
	require.NoError(t, err)
	require.Len(t, claims, 2, "one claim an incident")
	got := map[string][]string{}
	for _, c := range claims {
		require.NotNil(t, c.Incident)
		assert.Equal(t, incident(t, s, c.Incident.Key), *c.Incident)
		for _, tm := range c.Timers {
			assert.Equal(t, c.Incident.Key, tm.Incident)
			assert.NotEmpty(t, tm.Lease)
			got[c.Incident.Key] = append(got[c.Incident.Key], tm.ID)
		}
	}
	assert.ElementsMatch(t, []string{"esc/INC-1", "reminder/INC-1"}, got["INC-1"])
	assert.Equal(t, []string{"esc/INC-2"}, got["INC-2"])
	assert.Empty(t, claim(t, s, T0), "all are held")
}

// testCompleteClaimsWhatItMakesDue: the page timer an escalation creates
// due now comes back claimed, as ClaimDue would have claimed it, with the
// incident as the escalation left it; the escalation it schedules for
// later does not. The claim holds until its lease ends, across a restart.
func testCompleteClaimsWhatItMakesDue(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	sms := "page/INC-1/g1/r0/s0/alice/sms"
	esc := claimOne(t, s, T0, "esc/INC-1")
	opened := incident(t, s, "INC-1")
	step := pageAlice(&opened, esc)
	smsTimer := engine.Timer{ID: sms, Kind: engine.TimerPage, Incident: "INC-1", Gen: esc.Gen, Due: T0,
		Person: "alice", Channel: engine.ChannelSMS}
	require.Equal(t, smsTimer, step.Timers[0])
	got, err := s.CompleteAndClaim(ctx, T0, step, lease)
	require.NoError(t, err)
	claimed := got.Timers
	require.Len(t, claimed, 1, "only the timer due now")
	want := smsTimer
	want.Claims, want.Lease, want.LeaseUntil = 1, claimed[0].Lease, T0.Add(lease)
	assert.Equal(t, want, normalize(claimed[0]))
	assert.NotEmpty(t, claimed[0].Lease)
	inc := incident(t, s, "INC-1")
	assert.Equal(t, 1, inc.Step, "the completion applied")
	require.NotNil(t, got.Incident)
	assert.Equal(t, inc, *got.Incident, "the incident as the completion left it")

	if f.Reopen != nil {
		s = f.Reopen(t, s)
	}
	assert.Empty(t, claim(t, s, T0), "the claim is held")
	assert.Empty(t, claim(t, s, T0.Add(lease-time.Second)), "held while the lease lasts")
	next, ok, err := s.NextDue(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, T0.Add(lease), next.UTC())
	again := claimOne(t, s, T0.Add(lease), sms)
	assert.Equal(t, 2, again.Claims, "claimed once by the completion, once after its lease")
	assert.NotEqual(t, claimed[0].Lease, again.Lease)
}

// testCompleteClaimsWhatItBringsForward: a failover's completion hands back
// claimed the timer it brings forward to now, which its holder completes
// with that lease; a timer another holder has claimed is left to it.
func testCompleteClaimsWhatItBringsForward(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	sms, email, voice := "page/INC-1/g1/r0/s0/alice/sms", "page/INC-1/g1/r0/s0/alice/email", "page/INC-1/g1/r0/s0/alice/voice"
	esc := claimOne(t, s, T0, "esc/INC-1")
	page := func(id string, ch engine.Channel, due time.Time) engine.Timer {
		return engine.Timer{ID: id, Kind: engine.TimerPage, Incident: "INC-1", Gen: esc.Gen, Due: due, Person: "alice", Channel: ch}
	}
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: esc, Fenced: true, Timers: []engine.Timer{
		page(sms, engine.ChannelSMS, T0), page(email, engine.ChannelEmail, T0), page(voice, engine.ChannelVoice, T0.Add(2*time.Minute))}}))
	held := claim(t, s, T0)
	require.Len(t, held, 2, "the SMS and the email")
	smsTimer := held[0]
	if smsTimer.ID != sms {
		smsTimer = held[1]
	}

	at := T0.Add(time.Second)
	got, err := s.CompleteAndClaim(ctx, at, engine.Completion{Timer: smsTimer,
		DueNow: []string{voice, email, "page/none"}}, lease)
	require.NoError(t, err)
	claimed := got.Timers
	require.Len(t, claimed, 1, "the voice page; the email is someone else's claim")
	want := page(voice, engine.ChannelVoice, at)
	want.Claims, want.Lease, want.LeaseUntil = 1, claimed[0].Lease, at.Add(lease)
	assert.Equal(t, want, normalize(claimed[0]))
	assert.Empty(t, claim(t, s, at))
	got, err = s.CompleteAndClaim(ctx, at, engine.Completion{Timer: claimed[0]}, lease)
	require.NoError(t, err, "the claim's lease holds")
	assert.Equal(t, engine.Claimed{}, got, "nothing made due, nothing claimed")
	after := claim(t, s, at.Add(lease))
	require.Len(t, after, 1, "the voice page is done")
	assert.Equal(t, email, after[0].ID, "the email, its first lease over")
}

// testCompleteClaimsTheRetriggeredEscalation: an ack timeout's completion
// hands back claimed the escalation it makes due at once.
func testCompleteClaimsTheRetriggeredEscalation(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	acked, err := s.Acknowledge(ctx, T0, "INC-1", alice, time.Minute)
	require.NoError(t, err)
	at := T0.Add(time.Minute)
	tm := claimOne(t, s, at, "esc/INC-1")
	got, err := s.CompleteAndClaim(ctx, at, engine.Completion{Timer: tm, Retrigger: true}, lease)
	require.NoError(t, err)
	require.Len(t, got.Timers, 1)
	assert.Equal(t, engine.Timer{ID: "esc/INC-1", Kind: engine.TimerEscalate, Incident: "INC-1", Gen: acked.Gen + 1,
		Due: at, Claims: 1, Lease: got.Timers[0].Lease, LeaseUntil: at.Add(lease)}, normalize(got.Timers[0]))
	require.NotNil(t, got.Incident)
	assert.Equal(t, engine.StateTriggered, got.Incident.State)
	assert.Equal(t, acked.Gen+1, got.Incident.Gen)
	assert.Empty(t, claim(t, s, at))
}

// testStaleCompletionClaimsNothing: a fenced completion refused as stale
// creates nothing, so claims nothing.
func testStaleCompletionClaimsNothing(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	tm := claim(t, s, T0)[0]
	_, err := s.Acknowledge(ctx, T0, "INC-1", alice, 0)
	require.NoError(t, err)
	page := engine.Timer{ID: "page/x", Kind: engine.TimerPage, Incident: "INC-1", Gen: tm.Gen, Due: T0}
	got, err := s.CompleteAndClaim(ctx, T0, engine.Completion{Timer: tm, Fenced: true, Timers: []engine.Timer{page}}, lease)
	require.ErrorIs(t, err, engine.ErrStale)
	assert.Equal(t, engine.Claimed{}, got)
	assert.Empty(t, claim(t, s, T0.Add(time.Hour)))
}

// pageAlice plans an escalation step as the engine would, from the
// incident's key, generation, service and priority only: an entry, the
// step's position, an SMS to alice now and a call in two minutes, and the
// next step in five.
func pageAlice(inc *engine.Incident, esc engine.Timer) engine.Completion {
	page := func(ch engine.Channel, due time.Time) (engine.Page, engine.Timer) {
		key := engine.PageKey(inc.Key, inc.Gen, 0, 0, "alice", ch)
		return engine.Page{Key: key, Person: "alice", Channel: ch, Status: engine.PagePending, At: due},
			engine.Timer{ID: key, Kind: engine.TimerPage, Incident: inc.Key, Gen: inc.Gen, Due: due, Person: "alice", Channel: ch}
	}
	smsPage, smsTimer := page(engine.ChannelSMS, T0)
	voicePage, voiceTimer := page(engine.ChannelVoice, T0.Add(2*time.Minute))
	return engine.Completion{Timer: esc, Fenced: true, Position: &engine.Position{Step: 1},
		Entries: []engine.Entry{{At: T0, Kind: engine.EntryEscalated, Detail: "paging alice for " + inc.Service + " " + inc.Priority.String()}},
		Pages:   []engine.Page{smsPage, voicePage},
		Timers: []engine.Timer{smsTimer, voiceTimer, {ID: engine.EscalationTimerID(inc.Key), Kind: engine.TimerEscalate,
			Incident: inc.Key, Gen: inc.Gen, Due: T0.Add(5 * time.Minute), Step: 1}}}
}

// handed is what an ingest's first steps handed over.
type handed struct {
	claimed engine.Claimed
	step    engine.Completion
}

// ingestAndEscalate ingests alerts at T0 running pageAlice as the first
// step, and returns what was handed over by the time the ingest returned.
func ingestAndEscalate(t *testing.T, s engine.Store, alerts ...engine.Classified) ([]engine.IngestResult, []handed) {
	t.Helper()
	var got []handed
	res, err := s.IngestAndEscalate(ctx, T0, alerts, engine.FirstStep{Plan: pageAlice, Lease: lease,
		Hand: func(c engine.Claimed, step engine.Completion) { got = append(got, handed{c, step}) }})
	require.NoError(t, err)
	require.Len(t, res, len(alerts))
	return res, got
}

// testIngestRunsTheFirstStep: an ingest that opens incidents runs each
// one's first step in place of its escalation timer, as the escalation's
// completion would, and hands back claimed the step's timers due now with
// the incident as the whole batch left it. An incident the batch opened
// and resolved again runs no step. The claims hold until their lease ends,
// across a restart; the step's later timers come due in their time.
func testIngestRunsTheFirstStep(t *testing.T, f Factory) {
	s := f.Open(t)
	res, got := ingestAndEscalate(t, s,
		alert("fp1", engine.AlertFiring, "g1"), alert("fp2", engine.AlertFiring, "g2"),
		alert("fp3", engine.AlertFiring, "g1"),
		alert("fp4", engine.AlertFiring, "g3"), alert("fp4", engine.AlertResolved, "g3"))
	assert.Equal(t, engine.OutcomeResolved, res[4].Outcome, "INC-3 opened and resolved")
	require.Len(t, got, 2, "INC-1 and INC-2")
	for i, key := range []string{"INC-1", "INC-2"} {
		sms := engine.PageKey(key, 1, 0, 0, "alice", engine.ChannelSMS)
		require.Len(t, got[i].claimed.Timers, 1, "%s: the SMS, due now", key)
		tm := got[i].claimed.Timers[0]
		assert.Equal(t, engine.Timer{ID: sms, Kind: engine.TimerPage, Incident: key, Gen: 1, Due: T0,
			Person: "alice", Channel: engine.ChannelSMS, Claims: 1, Lease: tm.Lease, LeaseUntil: T0.Add(lease)}, normalize(tm))
		assert.NotEmpty(t, tm.Lease)
		inc := incident(t, s, key)
		require.NotNil(t, got[i].claimed.Incident, key)
		assert.Equal(t, inc, *got[i].claimed.Incident, "%s as the ingest left it", key)
		assert.Equal(t, 1, inc.Step, key)
		assert.Equal(t, "paging alice for checkout P1", inc.Timeline[len(inc.Timeline)-1].Detail, key)
		require.Len(t, inc.Pages, 2, key)
		assert.Equal(t, sms, inc.Pages[0].Key)
		assert.Equal(t, engine.PagePending, inc.Pages[0].Status)
		assert.Equal(t, engine.EntryEscalated, got[i].step.Entries[0].Kind, "the step applied comes with the claims")
	}
	assert.Equal(t, 2, got[0].claimed.Incident.Firing, "the batch's later alert joined INC-1")
	assert.NotEqual(t, got[0].claimed.Timers[0].Lease, got[1].claimed.Timers[0].Lease)

	if f.Reopen != nil {
		s = f.Reopen(t, s)
	}
	due := claim(t, s, T0)
	require.Len(t, due, 1, "only INC-3's resolution notices: no escalation is due, the SMS are held")
	assert.Equal(t, "resolved/INC-3", due[0].ID)
	again := claimOne(t, s, T0.Add(lease), engine.PageKey("INC-1", 1, 0, 0, "alice", engine.ChannelSMS))
	assert.Equal(t, 2, again.Claims, "claimed once by the ingest, once after its lease")
	claimOne(t, s, T0.Add(2*time.Minute), engine.PageKey("INC-2", 1, 0, 0, "alice", engine.ChannelVoice))
	next := claimOne(t, s, T0.Add(5*time.Minute), "esc/INC-1")
	assert.Equal(t, 1, next.Step)

	_, err := s.Ingest(ctx, T0, []engine.Classified{alert("fp5", engine.AlertFiring, "g5")})
	require.NoError(t, err)
	claimOne(t, s, T0, "esc/INC-4") // without a first step, the escalation is due
}
