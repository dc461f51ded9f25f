package engine

import (
	"strconv"
	"strings"
	"time"
)

// State is where an incident stands.
type State string

// An incident is triggered (escalating) until acknowledged, and open until
// resolved.
const (
	StateTriggered    State = "triggered"
	StateAcknowledged State = "acknowledged"
	StateResolved     State = "resolved"
)

// Incident is one or more alerts of a service grouped together, escalating
// until someone owns it.
type Incident struct {
	Key          string    `json:"key"`
	Number       int64     `json:"number"`
	Service      string    `json:"service"`
	Policy       string    `json:"policy,omitempty"`
	Category     string    `json:"category,omitempty"`
	Priority     Priority  `json:"priority"`
	State        State     `json:"state"`
	Summary      string    `json:"summary"`
	GroupKey     string    `json:"group_key"`
	Owner        string    `json:"owner,omitempty"`
	ResolvedBy   string    `json:"resolved_by,omitempty"`
	FirstAlertAt time.Time `json:"first_alert_at"`
	OpenedAt     time.Time `json:"opened_at"`
	AckedAt      time.Time `json:"acked_at,omitzero"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	// Gen counts the incident's state changes. Timers carry the generation
	// they were made in; a timer from an older generation is stale.
	Gen int64 `json:"gen"`
	// Round and Step locate the escalation: the step of the policy the
	// pending escalation timer will run, and how many times the steps have
	// run through.
	Round int `json:"round"`
	Step  int `json:"step"`
	// Alerts lists the IDs of the incident's alerts; Firing counts those
	// still firing.
	Alerts   []string `json:"alerts"`
	Firing   int      `json:"firing"`
	Pages    []Page   `json:"pages,omitempty"`
	Timeline []Entry  `json:"timeline"`
}

// Open reports whether the incident is not resolved.
func (i *Incident) Open() bool { return i.State != StateResolved }

// Page finds the page with key k.
func (i *Incident) Page(k string) (Page, bool) {
	for _, p := range i.Pages {
		if p.Key == k {
			return p, true
		}
	}
	return Page{}, false
}

// Paged reports whether a page to person was sent for the incident.
func (i *Incident) Paged(person string) bool {
	for _, p := range i.Pages {
		if p.Person == person && p.Status == PageSent {
			return true
		}
	}
	return false
}

// PageStatus is where one page stands.
type PageStatus string

// A page is pending until the provider accepts it or it fails.
const (
	PagePending   PageStatus = "pending"
	PageSent      PageStatus = "sent"
	PageFailed    PageStatus = "failed"
	PageCancelled PageStatus = "cancelled"
	// PageUnknown is a page whose sender stopped between taking it and
	// recording the outcome: it may or may not have gone out, and it is not
	// sent again.
	PageUnknown PageStatus = "unknown"
)

// Page is one attempt to reach one person for one incident on one channel.
type Page struct {
	// Key is unique per (incident, generation, round, step, person, channel):
	// a page with a key already recorded is never sent again.
	Key        string     `json:"key"`
	Person     string     `json:"person"`
	Channel    Channel    `json:"channel"`
	Status     PageStatus `json:"status"`
	ProviderID string     `json:"provider_id,omitempty"`
	At         time.Time  `json:"at"`
}

// EntryKind names a kind of timeline entry.
type EntryKind string

// The kinds of timeline entry.
const (
	EntryOpened       EntryKind = "opened"
	EntryAlertJoined  EntryKind = "alert_joined"
	EntryAlertCleared EntryKind = "alert_resolved"
	EntryEscalated    EntryKind = "escalated"
	EntryStepSkipped  EntryKind = "step_skipped"
	EntryExhausted    EntryKind = "exhausted"
	EntryUnreachable  EntryKind = "unreachable"
	EntryPage         EntryKind = "page"
	EntryAcknowledged EntryKind = "acknowledged"
	EntryResolved     EntryKind = "resolved"
	EntryNotice       EntryKind = "notice"
	EntryNote         EntryKind = "note"
	EntryResponders   EntryKind = "responders"
)

// Entry is one line of an incident's timeline.
type Entry struct {
	At     time.Time `json:"at"`
	Kind   EntryKind `json:"kind"`
	Actor  string    `json:"actor,omitempty"`
	Detail string    `json:"detail"`
}

// IncidentKey builds the key of incident number n: "INC-42".
func IncidentKey(prefix string, n int64) string {
	return prefix + "-" + strconv.FormatInt(n, 10)
}

// IncidentNumber reads the number out of an incident key.
func IncidentNumber(key string) (int64, bool) {
	i := strings.LastIndexByte(key, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(key[i+1:], 10, 64)
	return n, err == nil && n > 0
}
