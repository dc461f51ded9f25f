package receivers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/klaxonhq/klaxon/engine"
)

// SourcePagerDuty names alerts sent to Klaxon's PagerDuty Events API v2
// endpoint by anything that can page PagerDuty.
const SourcePagerDuty = "pagerduty"

// The limits PagerDuty documents for an alert event.
const (
	pdMaxSummary  = 1024 // characters of payload.summary
	pdMaxDedupKey = 255  // characters of dedup_key
)

// PagerDutyEvent is one Events API v2 alert event as Klaxon reads it: the
// alert, and what the HTTP layer needs to authenticate the caller and answer.
type PagerDutyEvent struct {
	// RoutingKey is the event's routing_key: the integration token the caller
	// authenticates with. PagerDuty's keys are 32 characters; Klaxon accepts
	// any token that is not blank.
	RoutingKey string
	// DedupKey identifies the alert: the event's dedup_key, or for a trigger
	// without one, a random UUID generated here, as PagerDuty does. The answer
	// to the caller echoes it.
	DedupKey string
	// Alert is the event translated: firing for trigger, acknowledged for
	// acknowledge, resolved for resolve; its fingerprint is DedupKey.
	Alert engine.Alert
}

// Batch is the event's alert as a batch, for the engine.
func (e *PagerDutyEvent) Batch() Batch {
	return Batch{Alerts: []engine.Alert{e.Alert}}
}

// PagerDutyError is an Events API v2 body that cannot be used, with every
// problem found, each naming its field. PagerDuty answers such a body with
// 400 {"status": "invalid event", "message": "Event object is invalid",
// "errors": [...]}. It unwraps to a *BodyError: the caller's fault.
type PagerDutyError struct {
	Errors []string
}

func (e *PagerDutyError) Error() string { return strings.Join(e.Errors, "; ") }

// Unwrap makes errors.As find a *BodyError in a PagerDutyError.
func (e *PagerDutyError) Unwrap() error { return &BodyError{Msg: e.Error()} }

// pdEvent is an Events API v2 alert event: only the fields Klaxon reads.
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	Links       []pdLink   `json:"links"`
	Client      string     `json:"client"`
	ClientURL   string     `json:"client_url"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp"`
	Component     string         `json:"component"`
	Group         string         `json:"group"`
	Class         string         `json:"class"`
	CustomDetails jsontext.Value `json:"custom_details"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// PagerDuty reads a PagerDuty Events API v2 alert event (the body of
// POST /v2/enqueue). A body it cannot use is a *PagerDutyError; the event
// returned with it still carries the routing key when the body had one, so
// the caller can authenticate before answering.
func PagerDuty(body []byte) (PagerDutyEvent, error) {
	var ev pdEvent
	if err := decodeBody(body, &ev, "a PagerDuty event"); err != nil {
		return PagerDutyEvent{}, &PagerDutyError{Errors: []string{err.Error()}}
	}
	out := PagerDutyEvent{RoutingKey: ev.RoutingKey, DedupKey: ev.DedupKey}
	if problems := ev.problems(); len(problems) > 0 {
		return out, &PagerDutyError{Errors: problems}
	}
	if blank(out.DedupKey) {
		out.DedupKey = newDedupKey()
	}
	out.Alert = ev.alert(out.DedupKey)
	return out, nil
}

// problems validates the event as PagerDuty documents it: routing_key and
// event_action always, dedup_key for acknowledge and resolve, the payload
// for trigger.
func (ev *pdEvent) problems() []string {
	var ps []string
	if blank(ev.RoutingKey) {
		ps = append(ps, "routing_key: missing")
	}
	if n := utf8.RuneCountInString(ev.DedupKey); n > pdMaxDedupKey {
		ps = append(ps, fmt.Sprintf("dedup_key: %d characters, at most %d", n, pdMaxDedupKey))
	}
	switch ev.EventAction {
	case "trigger":
		ps = append(ps, ev.Payload.problems()...)
	case "acknowledge", "resolve":
		if blank(ev.DedupKey) {
			ps = append(ps, "dedup_key: missing, and required to "+ev.EventAction)
		}
	case "":
		ps = append(ps, "event_action: missing")
	default:
		ps = append(ps, fmt.Sprintf("event_action: want trigger, acknowledge or resolve, got %q", clip(ev.EventAction)))
	}
	return ps
}

func (p *pdPayload) problems() []string {
	if p == nil {
		return []string{"payload: missing, and required to trigger"}
	}
	var ps []string
	switch n := utf8.RuneCountInString(p.Summary); {
	case blank(p.Summary):
		ps = append(ps, "payload.summary: missing")
	case n > pdMaxSummary:
		ps = append(ps, fmt.Sprintf("payload.summary: %d characters, at most %d", n, pdMaxSummary))
	}
	if blank(p.Source) {
		ps = append(ps, "payload.source: missing")
	}
	switch p.Severity {
	case "critical", "error", "warning", "info":
	case "":
		ps = append(ps, "payload.severity: missing")
	default:
		ps = append(ps, fmt.Sprintf("payload.severity: want critical, error, warning or info, got %q", clip(p.Severity)))
	}
	if _, err := pdTime(p.Timestamp); err != nil {
		ps = append(ps, err.Error())
	}
	return ps
}

// alert translates a valid event. Acknowledge and resolve carry no labels:
// the engine finds the alert by its fingerprint.
func (ev *pdEvent) alert(dedupKey string) engine.Alert {
	a := engine.Alert{Source: SourcePagerDuty, Fingerprint: dedupKey}
	switch ev.EventAction {
	case "acknowledge":
		a.Status = engine.AlertAcknowledged
	case "resolve":
		a.Status = engine.AlertResolved
	default:
		a.Status = engine.AlertFiring
		p := ev.Payload
		a.Labels = p.labels()
		a.Annotations = ev.annotations()
		a.StartsAt, _ = pdTime(p.Timestamp)
		a.GeneratorURL = ev.generatorURL()
	}
	if ev.Payload != nil {
		a.Summary = foldSpace(ev.Payload.Summary)
	}
	return a
}

// labels are the payload's PD-CEF fields, and an alertname: the class, else
// the component, else "pagerduty".
func (p *pdPayload) labels() map[string]string {
	ls := map[string]string{"severity": p.Severity}
	for name, v := range map[string]string{
		"source": p.Source, "component": p.Component, "group": p.Group, "class": p.Class,
	} {
		if v = strings.TrimSpace(v); v != "" {
			ls[name] = v
		}
	}
	ls["alertname"] = "pagerduty"
	if v := firstOf(ls, "class", "component"); v != "" {
		ls["alertname"] = v
	}
	return ls
}

// annotations are the custom details, flattened, then client and client_url.
func (ev *pdEvent) annotations() map[string]string {
	ann := pdDetails(ev.Payload.CustomDetails)
	for name, v := range map[string]string{"client": ev.Client, "client_url": ev.ClientURL} {
		if v != "" {
			ann[name] = v
		}
	}
	if len(ann) == 0 {
		return nil
	}
	return ann
}

// pdDetails flattens custom_details: each key of an object is an annotation,
// a string as it is and any other value as JSON. Details that are not an
// object are one annotation, custom_details.
func pdDetails(raw jsontext.Value) map[string]string {
	ann := map[string]string{}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ann
	}
	fields := map[string]jsontext.Value{}
	if raw[0] != '{' || json.Unmarshal(raw, &fields, decodeOptions) != nil {
		fields = map[string]jsontext.Value{"custom_details": raw}
	}
	for k, v := range fields {
		ann[k] = jsonText(v)
	}
	return ann
}

// jsonText is a JSON string's text, null as empty, or any other value as
// compact JSON.
func jsonText(v jsontext.Value) string {
	var s string
	if json.Unmarshal(v, &s, decodeOptions) == nil {
		return s
	}
	_ = v.Compact() // v was checked with the body; were it invalid, it would stay as it is
	return string(v)
}

// generatorURL is the first link's href, else client_url.
func (ev *pdEvent) generatorURL() string {
	for _, l := range ev.Links {
		if !blank(l.Href) {
			return strings.TrimSpace(l.Href)
		}
	}
	return strings.TrimSpace(ev.ClientURL)
}

// pdTimeLayouts are the ISO 8601 forms accepted for payload.timestamp: RFC
// 3339, and the offsets without a colon that PagerDuty's own examples use
// ("2015-07-17T08:42:58.315+0000"). A time without an offset is UTC.
// Fractional seconds are optional in each.
var pdTimeLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05Z07", "2006-01-02T15:04:05",
}

// pdTime reads payload.timestamp; empty is the zero time.
func pdTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range pdTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("payload.timestamp: %q is not an ISO 8601 time", clip(s))
}

// newDedupKey is a random version 4 UUID, what PagerDuty generates for a
// trigger without a dedup_key.
func newDedupKey() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }
