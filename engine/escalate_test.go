package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/rosters"
)

const escalationRoster = `team: payments
timezone: UTC
people:
  - {id: alice, name: Alice, phone: "+15551230001", email: a@example.com, notify: [sms, {voice: 2m}, email]}
  - {id: bob, name: Bob, phone: "+15551230002", notify: [sms]}
  - {id: carol, name: Carol, phone: "+15551230003", notify: [sms]}
rotations:
  - {name: primary, members: [alice, bob], shift: 7d, handoff: "2026-11-16 09:00"}
  - {name: weekdays, members: [carol], shift: 7d, handoff: "2026-11-16 09:00", hours: "Mon-Fri 09:00-17:00"}
policies:
  - name: main
    repeat: 1
    steps:
      - {notify: ["person:bob"], priorities: [P0, P1], escalate_after: 0s}
      - {notify: ["rotation:primary", "person:alice"], escalate_after: 5m}
      - {notify: ["rotation:weekdays"], escalate_after: 10m}
  - name: nobody
    steps:
      - {notify: ["rotation:weekdays"], escalate_after: 5m}
services:
  - {name: checkout, policy: main}
  - {name: quiet, policy: nobody}
`

type nopNotifier struct{}

func (nopNotifier) Send(context.Context, Message) (string, bool, error) { return "", false, nil }

func TestPlanEscalation(t *testing.T) {
	rs, err := rosters.Parse(map[string][]byte{"payments.yaml": []byte(escalationRoster)})
	require.NoError(t, err)
	e := &Engine{notifiers: map[Channel]Notifier{ChannelSMS: nopNotifier{}, ChannelVoice: nopNotifier{}, ChannelEmail: nopNotifier{}}}
	sunday := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // outside weekdays' hours
	monday := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // inside

	cases := []struct {
		name     string
		policy   string
		priority Priority
		at       time.Time
		pos      Position
		pages    []string // page keys without the incident prefix
		next     *Position
		nextDue  time.Duration
		entries  []EntryKind
	}{
		{name: "a step limited to P0 and P1 applies to a P1 incident", policy: "payments/main", priority: P1, at: sunday,
			pages: []string{"bob/sms"}, next: &Position{Step: 1}, nextDue: 0, entries: []EntryKind{EntryEscalated}},
		{name: "a step limited to P0 and P1 does not apply to a P2 incident", policy: "payments/main", priority: P2, at: sunday,
			pages: []string{"alice/sms", "alice/email"}, next: &Position{Step: 1}, nextDue: 5 * time.Minute,
			entries: []EntryKind{EntryEscalated}},
		{name: "each notify rule is a page; one person in two targets is paged once", policy: "payments/main", priority: P1, at: sunday,
			pos: Position{Step: 1}, pages: []string{"alice/sms", "alice/voice", "alice/email"}, next: &Position{Step: 2},
			nextDue: 5 * time.Minute, entries: []EntryKind{EntryEscalated}},
		{name: "a step with nobody on call is skipped at once", policy: "payments/main", priority: P1, at: sunday,
			pos: Position{Step: 2}, pages: []string{"bob/sms"}, next: &Position{Round: 1, Step: 1},
			entries: []EntryKind{EntryStepSkipped, EntryEscalated}},
		{name: "the last step leads to the next round", policy: "payments/main", priority: P1, at: monday,
			pos: Position{Step: 2}, pages: []string{"carol/sms"}, next: &Position{Round: 1}, nextDue: 10 * time.Minute,
			entries: []EntryKind{EntryEscalated}},
		{name: "the last step of the last round leads to exhaustion", policy: "payments/main", priority: P1, at: monday,
			pos: Position{Round: 1, Step: 2}, pages: []string{"carol/sms"}, next: &Position{Round: 1, Step: 3},
			nextDue: 10 * time.Minute, entries: []EntryKind{EntryEscalated}},
		{name: "past the last step the policy is exhausted", policy: "payments/main", priority: P1, at: monday,
			pos: Position{Round: 1, Step: 3}, next: &Position{Round: 1, Step: 3}, entries: []EntryKind{EntryExhausted}},
		{name: "a policy that reaches nobody says so", policy: "payments/nobody", priority: P1, at: sunday,
			entries: []EntryKind{EntryStepSkipped, EntryUnreachable}, next: &Position{Step: 1}},
		{name: "a service without a policy reaches nobody", policy: "payments/missing", priority: P1, at: sunday,
			entries: []EntryKind{EntryUnreachable}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := &Incident{Key: "INC-1", Policy: c.policy, Priority: c.priority, Gen: 3, State: StateTriggered}
			timer := Timer{ID: EscalationTimerID("INC-1"), Kind: TimerEscalate, Incident: "INC-1", Gen: 3,
				Round: c.pos.Round, Step: c.pos.Step}
			got := e.planEscalation(rs, inc, timer, c.at)
			assert.True(t, got.Fenced)
			var pages []string
			for _, p := range got.Pages {
				pages = append(pages, p.Person+"/"+string(p.Channel))
			}
			assert.Equal(t, c.pages, pages)
			assert.Equal(t, c.next, got.Position)
			var kinds []EntryKind
			for _, en := range got.Entries {
				kinds = append(kinds, en.Kind)
			}
			assert.Equal(t, c.entries, kinds)
			esc := escalationTimer(got.Timers)
			if len(c.pages) == 0 {
				assert.Nil(t, esc, "no escalation follows a step that paged nobody")
				return
			}
			require.NotNil(t, esc)
			assert.Equal(t, c.at.Add(c.nextDue), esc.Due)
			assert.Equal(t, c.next.Round, esc.Round)
			assert.Equal(t, c.next.Step, esc.Step)
		})
	}
}

func escalationTimer(ts []Timer) *Timer {
	for i := range ts {
		if ts[i].Kind == TimerEscalate {
			return &ts[i]
		}
	}
	return nil
}

func TestPlannedPagesAreKeyedAndDelayedByTheirRules(t *testing.T) {
	rs, err := rosters.Parse(map[string][]byte{"payments.yaml": []byte(escalationRoster)})
	require.NoError(t, err)
	e := &Engine{notifiers: map[Channel]Notifier{ChannelSMS: nopNotifier{}, ChannelVoice: nopNotifier{}}}
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	inc := &Incident{Key: "INC-7", Policy: "payments/main", Priority: P0, Gen: 2, State: StateTriggered}
	got := e.planEscalation(rs, inc, Timer{Kind: TimerEscalate, Incident: "INC-7", Gen: 2, Round: 1, Step: 1}, at)

	var pageTimers []Timer
	for _, tm := range got.Timers {
		if tm.Kind == TimerPage {
			pageTimers = append(pageTimers, tm)
		}
	}
	require.Len(t, pageTimers, 2, "no email notifier: the email rule is left out")
	assert.Equal(t, Timer{ID: "page/INC-7/g2/r1/s1/alice/sms", Kind: TimerPage, Incident: "INC-7", Gen: 2,
		Due: at, Round: 1, Step: 1, Person: "alice", Channel: ChannelSMS}, pageTimers[0])
	assert.Equal(t, "page/INC-7/g2/r1/s1/alice/voice", pageTimers[1].ID)
	assert.Equal(t, at.Add(2*time.Minute), pageTimers[1].Due)
	for i, p := range got.Pages {
		assert.Equal(t, pageTimers[i].ID, p.Key)
		assert.Equal(t, PagePending, p.Status)
	}
}
