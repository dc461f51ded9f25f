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
	// Acknowledge moves a triggered incident to acknowledged, owned by
	// person, and stops its escalation. It returns the incident as it is
	// after the call; an incident not triggered is returned unchanged with
	// ErrWrongState.
	Acknowledge(ctx context.Context, now time.Time, key string, by Actor) (Incident, error)
	// Resolve moves an open incident to resolved, stops its escalation and
	// schedules its resolution notices.
	Resolve(ctx context.Context, now time.Time, key string, by Actor) (Incident, error)
	// ClaimDue claims up to max timers due at now, each for lease.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Timer, error)
	// NextDue returns when the earliest timer is due; false if none is.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// Complete finishes a claimed timer and applies what running it decided.
	Complete(ctx context.Context, now time.Time, c Completion) error
	// Incident returns one incident.
	Incident(ctx context.Context, key string) (Incident, error)
	// Incidents lists incidents, newest first.
	Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	// LastPaged returns the key of the incident most recently paged to
	// person; "" when none.
	LastPaged(ctx context.Context, person string) (string, error)
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
	// Timer is the claimed timer; its Lease must still hold.
	Timer Timer
	// Fenced makes the completion conditional on the incident still being
	// triggered in the timer's generation; otherwise it fails with ErrStale
	// and changes nothing but removing the timer.
	Fenced bool
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
	// RetryAt, when set, reschedules the timer instead of removing it.
	RetryAt time.Time
}

// Position is where an incident's escalation stands.
type Position struct {
	Round, Step int
}

// IncidentFilter selects incidents to list.
type IncidentFilter struct {
	// Open selects only incidents not resolved.
	Open  bool
	State State
	Limit int
}
