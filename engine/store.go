package engine

import (
	"context"
	"errors"
	"time"
)

// Errors the store returns for the caller to tell apart.
var (
	// ErrNotFound: no incident has that key.
	ErrNotFound = errors.New("not found")
	// ErrStale: the timer's lease was lost, or its incident has moved on
	// since the timer was made; the completion changed nothing.
	ErrStale = errors.New("stale timer")
	// ErrUnavailable wraps every failure to reach the store's backing
	// storage: the caller may retry later.
	ErrUnavailable = errors.New("store unavailable")
)

// Store holds alerts, incidents and timers. Every method that changes state is
// one atomic transition, durable when it returns without error, so several
// engines sharing one store never page twice and never lose an ack.
type Store interface {
	// Ingest records classified alerts: duplicates are counted, new alerts
	// join their group's open incident or open one (with its escalation
	// timer due at now), and resolved alerts resolve their incident when it
	// has no other alert firing.
	Ingest(ctx context.Context, now time.Time, alerts []Classified) ([]IngestResult, error)
	// IngestAndEscalate is Ingest that also runs, in the same transition,
	// the first escalation step of each incident it opens, as its
	// escalation timer would at once: see FirstStep.
	IngestAndEscalate(ctx context.Context, now time.Time, alerts []Classified, step FirstStep) ([]IngestResult, error)
	// Acknowledge moves a triggered incident to acknowledged, owned by
	// person, and stops its escalation. With ackTimeout > 0 the incident is
	// triggered again unless resolved within it (a TimerAckTimeout in place
	// of the escalation timer). It returns the incident as it is after the
	// call; an incident not triggered is returned unchanged with
	// ErrWrongState.
	Acknowledge(ctx context.Context, now time.Time, key string, by Actor, ackTimeout time.Duration) (Incident, error)
	// Resolve moves an open incident to resolved, stops its escalation and
	// schedules its resolution notices.
	Resolve(ctx context.Context, now time.Time, key string, by Actor) (Incident, error)
	// Escalate runs the incident's next escalation step at once. A
	// triggered incident's pending escalation comes due now; an
	// acknowledged one is triggered again in a new generation, its owner
	// kept, with the step after the one it was acknowledged in due now. A
	// resolved incident is returned with ErrWrongState.
	Escalate(ctx context.Context, now time.Time, key string, by Actor) (Incident, error)
	// AddNote appends a note to an incident's timeline, whatever its state.
	AddNote(ctx context.Context, key string, note Entry) (Incident, error)
	// Alert returns one alert record by its ID (source/fingerprint).
	Alert(ctx context.Context, id string) (AlertRecord, error)
	// Events lists alerts recorded as events, most recently seen first.
	Events(ctx context.Context, f EventFilter) ([]AlertRecord, error)
	// Purge removes up to max resolved incidents resolved before before,
	// with their alerts, and events last seen before before. Open incidents
	// are never removed. It returns how many incidents and events went.
	Purge(ctx context.Context, before time.Time, max int) (int, error)
	// ClaimDue claims up to max timers due at now, each for lease. It
	// returns them by incident, each with its incident as the claim found
	// it (nil when it is gone), so that running them needs no read of it.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claimed, error)
	// NextDue returns when the earliest timer is due; false if none is.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// Complete finishes a claimed timer and applies what running it decided.
	Complete(ctx context.Context, now time.Time, c Completion) error
	// CompleteAndClaim is Complete that also claims, in the same
	// transition and as ClaimDue would, for lease, the timers the
	// completion makes due at now and nobody holds: those it creates
	// (Timers, and a retrigger's escalation) and those DueNow names. It
	// returns them, for the caller to run at once without claiming them,
	// with the incident as the completion left it; with lease <= 0 it
	// claims nothing. A completion that fails claims nothing.
	CompleteAndClaim(ctx context.Context, now time.Time, c Completion, lease time.Duration) (Claimed, error)
	// Incident returns one incident.
	Incident(ctx context.Context, key string) (Incident, error)
	// Incidents lists incidents, newest first.
	Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	// OpenCounts returns how many incidents are open, by priority.
	OpenCounts(ctx context.Context) (map[Priority]int, error)
	// LastPaged returns the key of the incident most recently paged to
	// person; "" when none.
	LastPaged(ctx context.Context, person string) (string, error)
	// Sync returns once every change made before the call is durable. A
	// store whose transitions are durable when they return does nothing.
	// The engine syncs before it sends anything, so that a crash never
	// forgets a claim on something that may have gone out.
	Sync(ctx context.Context) error
	// Ping reports whether the store can serve.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}

// ErrWrongState: the incident is not in a state the transition applies to.
// The store returns it with the incident as it is.
var ErrWrongState = errors.New("incident is not in the required state")

// Actor is who did something: a person (ID and name) and the channel they
// used, or a system component.
type Actor struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Channel Channel `json:"channel,omitempty"`
}

// Completion is what running a timer decided, applied atomically when the
// timer completes.
type Completion struct {
	// Timer is the claimed timer; its Lease must still hold. A completion
	// with no Timer (empty ID) applies its changes to Incident without
	// finishing a timer: for reports that arrive from outside, such as a
	// provider's delivery report.
	Timer Timer
	// Incident names the incident a completion with no Timer applies to.
	Incident string
	// Fenced makes the completion conditional on the incident still being
	// triggered in the timer's generation; otherwise it fails with ErrStale
	// and changes nothing but removing the timer.
	Fenced bool
	// Retrigger makes the completion conditional on the incident still
	// being acknowledged in the timer's generation (else ErrStale, as with
	// Fenced), and moves it back to triggered: a new generation, its owner
	// kept, escalation from the first step due at now.
	Retrigger bool
	// Position, when set, moves the incident's escalation to it.
	Position *Position
	// Entries are appended to the incident's timeline.
	Entries []Entry
	// Pages are recorded on the incident. A pending page whose key is
	// already recorded is left out (a page is sent at most once); a page in
	// any other status replaces the record with its key.
	Pages []Page
	// Timers are created after the claimed timer is removed, except a page
	// timer whose key was already recorded before this completion and any
	// timer whose ID exists.
	Timers []Timer
	// DueNow lists timers (by ID) to run at now instead of later, when they
	// exist and are not claimed.
	DueNow []string
	// RetryAt, when set, reschedules the timer instead of removing it.
	RetryAt time.Time
}

// FirstStep is what IngestAndEscalate does with each incident its ingest
// opens (and does not resolve again): in place of the escalation timer due
// at once, it applies Plan's completion, claims for Lease the timers that
// completion creates due at now, and calls Hand with them and the incident
// as the ingest left it, for the caller to run at once. A store whose
// claims wait for Sync calls Hand as soon as the change is made, before it
// is durable (the engine syncs before it sends); Hand is not called for an
// ingest that fails before its change is made.
type FirstStep struct {
	// Plan decides the step: what running the escalation timer esc of inc
	// would complete with. It may depend only on the incident's key,
	// generation, service, policy and priority, and name the incident only
	// through keys made from inc.Key (PageKey, EscalationTimerID): a store
	// may call it once for many incidents before they exist, with an empty
	// key standing in for theirs.
	Plan  func(inc *Incident, esc Timer) Completion
	Lease time.Duration
	// Hand takes the claims of one incident and the completion applied.
	Hand func(claimed Claimed, step Completion)
}

// Claimed is what ClaimDue, CompleteAndClaim or IngestAndEscalate claimed:
// timers of one incident that the caller must run to their end, and the
// incident as the transition left it, so that running them needs no read
// of it.
type Claimed struct {
	Timers []Timer
	// Incident is nil when CompleteAndClaim claimed no timer, and when
	// ClaimDue found the timers' incident gone.
	Incident *Incident
}

// TimersOf lists the timers of claims, in order.
func TimersOf(claims []Claimed) []Timer {
	var out []Timer
	for _, c := range claims {
		out = append(out, c.Timers...)
	}
	return out
}

// Position is where an incident's escalation stands.
type Position struct {
	Round, Step int
}

// IncidentFilter selects incidents to list.
type IncidentFilter struct {
	// Open selects only incidents not resolved.
	Open     bool
	State    State
	Service  string
	Priority *Priority
	// Since selects incidents opened at or after it.
	Since time.Time
	// Before selects incidents numbered below it: the cursor for the next
	// page of a listing.
	Before int64
	Limit  int
}

// Match reports whether inc passes the filter (Limit aside).
func (f *IncidentFilter) Match(inc *Incident) bool {
	switch {
	case f.Open && !inc.Open(), f.State != "" && inc.State != f.State,
		f.Service != "" && inc.Service != f.Service,
		f.Priority != nil && inc.Priority != *f.Priority,
		!f.Since.IsZero() && inc.OpenedAt.Before(f.Since),
		f.Before > 0 && inc.Number >= f.Before:
		return false
	}
	return true
}

// EventFilter selects events to list.
type EventFilter struct {
	Service string
	// Since selects events last seen at or after it.
	Since time.Time
	Limit int
}

// Match reports whether a passes the filter (Limit aside).
func (f *EventFilter) Match(a *AlertRecord) bool {
	return a.Incident == "" && a.Event != "" && (f.Service == "" || a.Service == f.Service) &&
		(f.Since.IsZero() || !a.LastSeen.Before(f.Since))
}
