package receivers

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/klaxonhq/klaxon/engine"
)

// SourceDatadog names alerts from Datadog monitors, sent by Datadog's
// Webhooks integration with DatadogTemplate as the payload.
const SourceDatadog = "datadog"

// DatadogTemplate is the payload to paste into Datadog's Webhooks
// integration: every value is a Datadog template variable, quoted, so the
// payload stays valid JSON whatever Datadog substitutes.
const DatadogTemplate = `{
  "id": "$ID",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "aggreg_key": "$AGGREG_KEY",
  "alert_id": "$ALERT_ID",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_priority": "$ALERT_PRIORITY",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
  "tags": "$TAGS",
  "hostname": "$HOSTNAME",
  "link": "$LINK",
  "date": "$DATE"
}`

// ddPayload is the body DatadogTemplate produces: one alert notification.
type ddPayload struct {
	ID              ddValue `json:"id"`
	AlertCycleKey   ddValue `json:"alert_cycle_key"`
	AggregKey       ddValue `json:"aggreg_key"`
	AlertID         ddValue `json:"alert_id"`
	AlertTransition ddValue `json:"alert_transition"`
	AlertType       ddValue `json:"alert_type"`
	AlertPriority   ddValue `json:"alert_priority"`
	Title           ddValue `json:"title"`
	Body            ddValue `json:"body"`
	Tags            ddValue `json:"tags"`
	Hostname        ddValue `json:"hostname"`
	Link            ddValue `json:"link"`
	Date            ddValue `json:"date"`
}

// ddValue is one substituted template variable. It reads a JSON string, or a
// number or null from a template edited to leave the quotes out, and is empty
// when Datadog left the variable unsubstituted.
type ddValue string

// unsubstituted is a value that is still a template variable: Datadog leaves
// a variable as it is when it has no value for it.
var unsubstituted = regexp.MustCompile(`^\$[A-Z][A-Z0-9_]*$`)

// UnmarshalJSONFrom reads a string, number or null.
func (v *ddValue) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch k := dec.PeekKind(); k {
	case '{', '[', 't', 'f':
		return &json.SemanticError{JSONKind: k, GoType: reflect.TypeFor[string]()}
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	var s string
	if tok.Kind() != 'n' {
		s = strings.TrimSpace(tok.String()) // a number's String is its JSON text
	}
	if unsubstituted.MatchString(s) {
		s = ""
	}
	*v = ddValue(s)
	return nil
}

// Datadog reads one Datadog webhook body made by DatadogTemplate. A body is
// one alert; whatever makes it unusable is a *BodyError naming the field.
func Datadog(body []byte) (Batch, error) {
	var p ddPayload
	if err := decodeBody(body, &p, "a Datadog webhook"); err != nil {
		return Batch{}, err
	}
	a, err := p.alert()
	if err != nil {
		return Batch{}, &BodyError{Msg: err.Error()}
	}
	return Batch{Alerts: []engine.Alert{a}}, nil
}

func (p *ddPayload) alert() (engine.Alert, error) {
	fp := firstValue(p.AlertCycleKey, p.AggregKey, p.AlertID)
	if fp == "" {
		return engine.Alert{}, errors.New("alert_cycle_key: missing, and neither aggreg_key nor alert_id is set")
	}
	status, err := ddStatus(string(p.AlertTransition))
	if err != nil {
		return engine.Alert{}, err
	}
	at, err := ddDate(string(p.Date))
	if err != nil {
		return engine.Alert{}, err
	}
	title := ddTitle(string(p.Title))
	a := engine.Alert{
		Source: SourceDatadog, Fingerprint: fp, Status: status,
		Summary: ddSummary(title, string(p.Body)), Labels: p.labels(title),
		Annotations: p.annotations(), GeneratorURL: string(p.Link),
	}
	if status == engine.AlertResolved {
		a.EndsAt = at
	} else {
		a.StartsAt = at
	}
	return a, nil
}

func firstValue(vs ...ddValue) string {
	for _, v := range vs {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

// ddStatus reads $ALERT_TRANSITION, whose values Datadog documents as
// Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data, Re-No Data and
// Recovered.
func ddStatus(transition string) (engine.AlertStatus, error) {
	switch strings.ToLower(transition) {
	case "triggered", "re-triggered", "renotify", "warn", "re-warn", "no data", "re-no data":
		return engine.AlertFiring, nil
	case "recovered":
		return engine.AlertResolved, nil
	case "":
		return "", errors.New("alert_transition: missing")
	}
	return "", fmt.Errorf("alert_transition: want Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data, Re-No Data or Recovered, got %q", clip(transition))
}

// Unix times at or above msFrom are milliseconds: as seconds they would be
// after the year 5000, as milliseconds they are after 1973. Above msTo they
// are neither.
const (
	msFrom = 1e11
	msTo   = 1e14
)

// ddDate reads $DATE, Unix milliseconds in Datadog's documentation, or
// seconds; empty is the zero time.
func ddDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(f):
		return time.Time{}, fmt.Errorf("date: want Unix milliseconds or seconds, got %q", clip(s))
	case f < 0 || f >= msTo:
		return time.Time{}, fmt.Errorf("date: %s is out of range for Unix milliseconds or seconds", clip(s))
	case f == 0:
		return time.Time{}, nil
	case f < msFrom:
		f *= 1000
	}
	return time.UnixMilli(int64(math.Round(f))).UTC(), nil
}

// titlePrefix is one bracketed prefix Datadog puts before a monitor's name in
// an event title: its priority, or the transition, possibly with the scope
// ("[P1] [Triggered on {host:web-1}] High load").
var titlePrefix = regexp.MustCompile(`(?i)^\[(P[0-9]|Triggered|Re-Triggered|Renotify|Warn|Re-Warn|No Data|Re-No Data|Recovered)( on [^\]]*)?\]`)

// ddTitle is the monitor's name: the event title without its priority and
// transition prefixes, white space folded, so that every notification of a
// monitor has the same name.
func ddTitle(title string) string {
	title = strings.TrimSpace(title)
	for {
		loc := titlePrefix.FindStringIndex(title)
		if loc == nil {
			break
		}
		title = strings.TrimSpace(title[loc[1]:])
	}
	return foldSpace(title)
}

// ddSummary is the cleaned title, or else the first line of the body.
func ddSummary(title, body string) string {
	if title != "" {
		return title
	}
	for line := range strings.Lines(body) {
		line = foldSpace(line)
		if line != "" && line != "%%%" {
			return line
		}
	}
	return "Datadog alert"
}

// labels are the tags, then the payload's own fields, which win over a tag
// of the same name.
func (p *ddPayload) labels(title string) map[string]string {
	ls := ddTags(string(p.Tags))
	if title == "" {
		title = "datadog"
	}
	ls["alertname"] = title
	for name, v := range map[string]ddValue{
		"priority": p.AlertPriority, "alert_type": p.AlertType,
		"hostname": p.Hostname, "monitor_id": p.AlertID,
	} {
		if v != "" {
			ls[name] = string(v)
		}
	}
	return ls
}

// ddTags reads $TAGS, "key:value" tags separated by commas, as labels. The
// key is made a valid label name; a tag without a value is the label value
// "true"; several values of one key are joined, sorted, with commas.
func ddTags(tags string) map[string]string {
	values := map[string][]string{}
	for tag := range strings.SplitSeq(tags, ",") {
		key, value, hasValue := strings.Cut(strings.TrimSpace(tag), ":")
		name := labelName(key)
		if name == "" {
			continue
		}
		if !hasValue {
			value = "true"
		}
		if !slices.Contains(values[name], value) {
			values[name] = append(values[name], value)
		}
	}
	ls := make(map[string]string, len(values)+5)
	for name, vs := range values {
		if len(vs) > 1 {
			vs = slices.DeleteFunc(vs, func(v string) bool { return v == "true" })
		}
		slices.Sort(vs)
		ls[name] = strings.Join(vs, ",")
	}
	return ls
}

func (p *ddPayload) annotations() map[string]string {
	ann := map[string]string{}
	body := strings.TrimSpace(string(p.Body))
	body = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(body, "%%%"), "%%%"))
	for name, v := range map[string]string{
		"body": body, "link": string(p.Link),
		"event_id": string(p.ID), "alert_transition": string(p.AlertTransition),
	} {
		if v != "" {
			ann[name] = v
		}
	}
	if len(ann) == 0 {
		return nil
	}
	return ann
}
