package engine

import "time"

// AlertStatus is an alert's state at its source.
type AlertStatus string

// An alert is firing until its source says it has resolved. A source that
// tracks acknowledgement itself (PagerDuty Events) may also say it was
// acknowledged there.
const (
	AlertFiring       AlertStatus = "firing"
	AlertResolved     AlertStatus = "resolved"
	AlertAcknowledged AlertStatus = "acknowledged"
)

// Alert is one signal from one source, as every receiver translates it. Its
// fingerprint identifies it within its source: the same fingerprint again is
// the same alert.
type Alert struct {
	Source       string            `json:"source"`
	Fingerprint  string            `json:"fingerprint"`
	Status       AlertStatus       `json:"status"`
	Summary      string            `json:"summary"`
	Labels       map[string]string `json:"labels,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"starts_at"`
	EndsAt       time.Time         `json:"ends_at,omitzero"`
	GeneratorURL string            `json:"generator_url,omitempty"`
}

// ID is the alert's identity across sources: source and fingerprint.
func (a *Alert) ID() string { return a.Source + "/" + a.Fingerprint }

// EventReason says why an alert was recorded as an event instead of joining
// or opening an incident. Empty means the alert is not an event.
type EventReason string

// The reasons an alert pages nobody.
const (
	EventLowPriority EventReason = "priority"
	EventMaintenance EventReason = "maintenance"
)

// Classified is an alert with the engine's decisions about it: how urgent it
// is, which service owns it and which incident group it belongs to. It is what
// the engine hands the store to ingest.
type Classified struct {
	Alert
	Priority    Priority    `json:"priority"`
	Service     string      `json:"service"`
	Category    string      `json:"category,omitempty"`
	Integration string      `json:"integration,omitempty"`
	GroupKey    string      `json:"group_key"`
	Policy      string      `json:"policy,omitempty"`
	Event       EventReason `json:"event,omitempty"`
}

// AlertRecord is an alert as the store keeps it: the latest classified
// version, the incident it belongs to, and how often it was seen.
type AlertRecord struct {
	Classified
	// Incident is the key of the incident the alert belongs to; empty for an
	// event.
	Incident  string    `json:"incident,omitempty"`
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// Outcome is what ingesting one alert did.
type Outcome string

// The outcomes of ingesting an alert.
const (
	OutcomeOpened    Outcome = "opened"    // opened a new incident
	OutcomeJoined    Outcome = "joined"    // joined an open incident
	OutcomeDuplicate Outcome = "duplicate" // seen before: only count and last-seen changed
	OutcomeEvent     Outcome = "event"     // recorded as an event, pages nobody
	OutcomeCleared   Outcome = "cleared"   // resolved at its source; its incident stays open
	OutcomeResolved  Outcome = "resolved"  // resolved at its source and so resolved its incident
	// OutcomeAcknowledged: acknowledged at its source, and so its incident.
	OutcomeAcknowledged Outcome = "acknowledged"
)

// IngestResult reports what ingesting one alert did.
type IngestResult struct {
	AlertID  string   `json:"alert_id"`
	Outcome  Outcome  `json:"outcome"`
	Incident string   `json:"incident,omitempty"`
	Priority Priority `json:"priority"`
}
