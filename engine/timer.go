package engine

import (
	"strconv"
	"time"
)

// TimerKind names what a timer does when it comes due.
type TimerKind string

// The kinds of timer.
const (
	// TimerEscalate runs the incident's escalation step at (Round, Step).
	TimerEscalate TimerKind = "escalate"
	// TimerPage sends one page: Person on Channel.
	TimerPage TimerKind = "page"
	// TimerResolved fans out resolution notices to everyone paged.
	TimerResolved TimerKind = "resolved"
	// TimerNotice sends one resolution notice to Person.
	TimerNotice TimerKind = "notice"
	// TimerReminder reminds an acknowledged incident's owner to post a
	// status update when none came within the service's update_every.
	TimerReminder TimerKind = "reminder"
	// TimerStakeholderMail emails one stakeholder about one event (Note)
	// of an incident.
	TimerStakeholderMail TimerKind = "stakeholder_mail"
	// TimerAckTimeout triggers an acknowledged incident again when its
	// owner has not resolved it in time. It takes the place of the
	// escalation timer while the incident is acknowledged.
	TimerAckTimeout TimerKind = "ack_timeout"
)

// Timer is work due at a time: escalation steps, pages and notices are all
// timers, held in the store so that they survive restarts and are shared by
// replicas. A timer is claimed with a lease before it runs and completed after.
type Timer struct {
	ID       string    `json:"id"`
	Kind     TimerKind `json:"kind"`
	Incident string    `json:"incident"`
	// Gen is the incident generation the timer was made in. A fenced timer
	// whose generation no longer matches its incident's is stale.
	Gen     int64     `json:"gen"`
	Due     time.Time `json:"due"`
	Round   int       `json:"round,omitempty"`
	Step    int       `json:"step,omitempty"`
	Person  string    `json:"person,omitempty"`
	Channel Channel   `json:"channel,omitempty"`
	// Address is where a timer delivers to that is not a person: a
	// stakeholder's email address.
	Address string `json:"address,omitempty"`
	// Note says what a stakeholder mail is about: opened, acknowledged,
	// update or resolved.
	Note string `json:"note,omitempty"`
	// Attempt counts the sends that failed and were rescheduled.
	Attempt int `json:"attempt,omitempty"`
	// Claims counts how often the timer was claimed since it was last
	// scheduled. More than one means a sender took it and stopped (crashed,
	// or lost its lease) before completing it.
	Claims int `json:"claims,omitempty"`
	// Lease is set while the timer is claimed and identifies the claim, so
	// that a completion by a former holder is refused. The claim holds until
	// LeaseUntil; then the timer is due again.
	Lease      string    `json:"lease,omitempty"`
	LeaseUntil time.Time `json:"lease_until,omitzero"`
}

// NextRun is when the timer can next be claimed: when it is due, or when its
// current lease ends.
func (t *Timer) NextRun() time.Time {
	if t.Lease != "" {
		return t.LeaseUntil
	}
	return t.Due
}

// EscalationTimerID is the ID of an incident's one escalation timer.
func EscalationTimerID(incident string) string { return "esc/" + incident }

// ResolvedTimerID is the ID of an incident's notice fan-out timer.
func ResolvedTimerID(incident string) string { return "resolved/" + incident }

// NoticeTimerID is the ID of the resolution notice for one person.
func NoticeTimerID(incident, person string) string { return "notice/" + incident + "/" + person }

// ReminderTimerID is the ID of an incident's status-update reminder.
func ReminderTimerID(incident string) string { return "remind/" + incident }

// PageKey is the at-most-once key of a page: one per incident, generation,
// round, step, person and channel.
func PageKey(incident string, gen int64, round, step int, person string, ch Channel) string {
	return "page/" + incident + "/g" + strconv.FormatInt(gen, 10) + "/r" + strconv.Itoa(round) +
		"/s" + strconv.Itoa(step) + "/" + person + "/" + string(ch)
}
