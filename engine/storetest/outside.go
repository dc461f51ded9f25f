package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// testApplyWithoutTimer: a report from outside (a provider's delivery
// report) is applied to its incident with no timer to finish.
func testApplyWithoutTimer(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	key := "page/INC-1/g1/r0/s0/alice/sms"
	require.NoError(t, escalateOnce(t, s, T0, key))
	failed := engine.Page{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PageFailed, At: T0}
	require.NoError(t, s.Complete(ctx, T0.Add(time.Minute), engine.Completion{Incident: "INC-1",
		Pages:   []engine.Page{failed},
		Entries: []engine.Entry{{At: T0.Add(time.Minute), Kind: engine.EntryPage, Detail: "sms not delivered"}}}))
	inc := incident(t, s, "INC-1")
	page, ok := inc.Page(key)
	require.True(t, ok)
	assert.Equal(t, engine.PageFailed, page.Status)
	assert.Equal(t, "sms not delivered", inc.Timeline[len(inc.Timeline)-1].Detail)
	assert.Equal(t, 1, inc.Step, "nothing else changed")
}

// testPageNamedTwice: a completion that names a new page twice (recorded,
// then its outcome) records it once, as its last status.
func testPageNamedTwice(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	key := "page/INC-1/g1/r0/s0/alice/sms"
	page := engine.Page{Key: key, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PagePending, At: T0}
	sent := page
	sent.Status, sent.ProviderID = engine.PageSent, "SM1"
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Incident: "INC-1", Pages: []engine.Page{page, sent}}))
	inc := incident(t, s, "INC-1")
	require.Len(t, inc.Pages, 1)
	assert.Equal(t, engine.PageSent, inc.Pages[0].Status)
}

// testDueNow: a completion can bring a pending timer forward to now (the
// failover to a person's next channel); a claimed one is left alone.
func testDueNow(t *testing.T, f Factory) {
	s := f.Open(t)
	ingest(t, s, T0, alert("fp1", engine.AlertFiring, "g1"))
	sms, voice := "page/INC-1/g1/r0/s0/alice/sms", "page/INC-1/g1/r0/s0/alice/voice"
	tm := claimOne(t, s, T0, "esc/INC-1")
	require.NoError(t, s.Complete(ctx, T0, engine.Completion{Timer: tm, Fenced: true,
		Pages: []engine.Page{
			{Key: sms, Person: "alice", Channel: engine.ChannelSMS, Status: engine.PagePending, At: T0},
			{Key: voice, Person: "alice", Channel: engine.ChannelVoice, Status: engine.PagePending, At: T0.Add(2 * time.Minute)},
		},
		Timers: []engine.Timer{
			{ID: sms, Kind: engine.TimerPage, Incident: "INC-1", Gen: tm.Gen, Due: T0, Person: "alice", Channel: engine.ChannelSMS},
			{ID: voice, Kind: engine.TimerPage, Incident: "INC-1", Gen: tm.Gen, Due: T0.Add(2 * time.Minute), Person: "alice", Channel: engine.ChannelVoice},
		}}))
	smsTimer := claimOne(t, s, T0, sms)
	at := T0.Add(10 * time.Second)
	require.NoError(t, s.Complete(ctx, at, engine.Completion{Timer: smsTimer, DueNow: []string{voice, sms, "page/none"}}))
	timers := claim(t, s, at)
	require.Len(t, timers, 1)
	assert.Equal(t, voice, timers[0].ID)
	assert.Equal(t, at, timers[0].Due.UTC())
}
