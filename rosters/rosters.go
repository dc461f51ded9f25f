// Package rosters owns the roster files: each team's people, rotations,
// overrides, escalation policies and services, loaded and cross-checked as
// one Set, and the on-call calculation over them. Everything here is a pure
// function of the files and the time asked about: no clock, no I/O after
// loading.
package rosters

import (
	"time"
)

// Person is someone who can be paged.
type Person struct {
	ID     string // unique across all roster files
	Name   string // defaults to ID
	Phone  string // E.164, or empty
	Email  string // or empty
	Team   string // the team of the file that defines the person
	Notify []NotifyRule
}

// NotifyRule is one channel of a person's notification rules: reach the
// person on Channel, Delay after they are paged.
type NotifyRule struct {
	Channel string // "sms", "voice" or "email"
	Delay   time.Duration
}

// The notification channels.
const (
	ChannelSMS   = "sms"
	ChannelVoice = "voice"
	ChannelEmail = "email"
)

// DefaultNotify returns the rules of a person whose entry has no notify
// list: SMS at once, a call two minutes later, and email at once. A person
// gets those of them their phone number and email address allow.
func DefaultNotify() []NotifyRule {
	return []NotifyRule{
		{Channel: ChannelSMS},
		{Channel: ChannelVoice, Delay: 2 * time.Minute},
		{Channel: ChannelEmail},
	}
}

// Policy is an escalation policy: steps run in order, each waiting
// EscalateAfter for an acknowledgement before the next.
type Policy struct {
	Team, Name string
	Repeat     int           // run the steps this many more times after the last
	AckTimeout time.Duration // acknowledged but unresolved this long: triggered again; 0 = never
	Steps      []Step
}

// Ref returns "team/name".
func (p Policy) Ref() string { return p.Team + "/" + p.Name }

// Step is one step of a policy.
type Step struct {
	Targets       []Target
	Priorities    []string // P0..P3 this step applies to; empty means all
	EscalateAfter time.Duration
}

// Target is whom a step or a responder request pages: a rotation's
// on-call person, or one person.
type Target struct {
	Kind string // "rotation" or "person"
	Team string // rotation's team, or the person's team
	Name string // rotation name, or person id
}

// Target kinds.
const (
	KindRotation = "rotation"
	KindPerson   = "person"
)

// String returns "rotation:team/name" or "person:id".
func (t Target) String() string {
	if t.Kind == KindPerson {
		return KindPerson + ":" + t.Name
	}
	return t.Kind + ":" + t.Team + "/" + t.Name
}

// Service is what alerts are about: it names the policy that pages for its
// incidents and who else hears about them.
type Service struct {
	Team, Name   string
	Policy       string                   // "team/name"
	GroupBy      []string                 // alert labels whose equal values join one incident
	Stakeholders []string                 // email addresses told of open, updates and resolve
	UpdateEvery  map[string]time.Duration // priority -> status update reminder interval
}
