package redisstore

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// Times are stored as Go's JSON writes them, so that a time read back is the
// time written, as it is through the embedded store's JSON.
const timeLayout = time.RFC3339Nano

// formatTime writes t as stored; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(timeLayout)
}

// parseTime reads a stored time; "" is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(timeLayout, s)
}

// Timers are scored by when they can next run, in Unix milliseconds with
// the microseconds as a fraction: the double nearest to microseconds/1000,
// which go-redis writes so that Redis and Lua read back that very double.
// Until 2248 (2^43 ms) doubles are less than a microsecond apart, so every
// microsecond has a score of its own and comparing scores compares the
// microseconds.
//
// Due times round up and claims round down to the microsecond, so a timer
// is never claimed before its time and at most a microsecond after. (Whole
// milliseconds would hide a timer made due now from a claim in the same
// millisecond: the engine would find nothing due, ask NextDue and sleep
// until the next millisecond before claiming it, twice on a new incident's
// way to its first page.) Scores written as whole milliseconds, by earlier
// versions, read the same way.

// dueScore is the score of a timer that can run from t, rounded up to the
// microsecond.
func dueScore(t time.Time) float64 {
	us := t.UnixMicro()
	if t.Nanosecond()%int(time.Microsecond) != 0 {
		us++
	}
	return float64(us) / 1000
}

// dueBound is the score bound of the timers due at now: now's score,
// rounded down to the microsecond.
func dueBound(now time.Time) float64 { return float64(now.UnixMicro()) / 1000 }

// scoreTime reads a timer's score back as the microsecond it scores.
func scoreTime(score string) (time.Time, error) {
	ms, err := strconv.ParseFloat(score, 64)
	if err != nil {
		return time.Time{}, err
	}
	// ms*1000 may be off by more than a half once doubles are 2^-10 ms
	// apart (from 2109): the microsecond is the one whose score ms is.
	us := int64(math.Round(ms * 1000))
	for _, c := range []int64{us, us + 1, us - 1} {
		if float64(c)/1000 == ms {
			return time.UnixMicro(c).UTC(), nil
		}
	}
	return time.UnixMicro(int64(math.Ceil(ms * 1000))).UTC(), nil
}

// nowScore is the score of now in the indexes of events and resolved
// incidents: Unix milliseconds, rounded down.
func nowScore(now time.Time) int64 { return now.UnixMilli() }

// timerRecord is engine.Timer as stored: its generation is a JSON string,
// so that Lua, whose numbers are doubles, keeps it exact.
type timerRecord struct {
	ID         string           `json:"id"`
	Kind       engine.TimerKind `json:"kind"`
	Incident   string           `json:"incident"`
	Gen        int64            `json:"gen,string"`
	Due        time.Time        `json:"due"`
	Round      int              `json:"round,omitempty"`
	Step       int              `json:"step,omitempty"`
	Person     string           `json:"person,omitempty"`
	Channel    engine.Channel   `json:"channel,omitempty"`
	Address    string           `json:"address,omitempty"`
	Note       string           `json:"note,omitempty"`
	Attempt    int              `json:"attempt,omitempty"`
	Claims     int              `json:"claims,omitempty"`
	Lease      string           `json:"lease,omitempty"`
	LeaseUntil time.Time        `json:"lease_until,omitzero"`
}

func encodeTimer(t engine.Timer) (string, error) {
	b, err := jsonrecord.Marshal(timerRecord(t))
	if err != nil {
		return "", fmt.Errorf("encode timer %s: %w", t.ID, err)
	}
	return string(b), nil
}

func decodeTimer(s string) (engine.Timer, error) {
	var rec timerRecord
	if err := jsonrecord.Unmarshal([]byte(s), &rec); err != nil {
		return engine.Timer{}, fmt.Errorf("decode timer: %w", err)
	}
	return engine.Timer(rec), nil
}

// decodeIncident builds an incident from common.lua's snapshot: its fields,
// timeline and pages. ok is false when the fields are empty: no incident.
func decodeIncident(key string, snap any) (inc engine.Incident, ok bool, err error) {
	parts, err := stringLists(snap, 3)
	if err != nil {
		return engine.Incident{}, false, fmt.Errorf("incident %s: %w", key, err)
	}
	fields, timeline, pages := parts[0], parts[1], parts[2]
	if len(fields) == 0 {
		return engine.Incident{}, false, nil
	}
	inc.Key = key
	if err := setFields(&inc, fields); err != nil {
		return engine.Incident{}, false, fmt.Errorf("incident %s: %w", key, err)
	}
	if inc.Timeline, err = decodeAll[engine.Entry](timeline); err != nil {
		return engine.Incident{}, false, fmt.Errorf("incident %s timeline: %w", key, err)
	}
	if inc.Pages, err = decodeAll[engine.Page](pages); err != nil {
		return engine.Incident{}, false, fmt.Errorf("incident %s pages: %w", key, err)
	}
	return inc, true, nil
}

// stringLists reads a script's answer made of n lists of strings.
func stringLists(v any, n int) ([][]string, error) {
	lists, ok := v.([]any)
	if !ok || len(lists) != n {
		return nil, fmt.Errorf("unexpected answer %T", v)
	}
	out := make([][]string, n)
	for i, l := range lists {
		items, ok := l.([]any)
		if !ok {
			return nil, fmt.Errorf("unexpected answer part %T", l)
		}
		for _, item := range items {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("unexpected answer item %T", item)
			}
			out[i] = append(out[i], s)
		}
	}
	return out, nil
}

// decodeAll decodes JSON values; none is nil.
func decodeAll[T any](items []string) ([]T, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]T, len(items))
	for i, s := range items {
		if err := jsonrecord.Unmarshal([]byte(s), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setFields sets an incident's fields from their stored names and values.
func setFields(inc *engine.Incident, fields []string) error {
	var alerts alertChunks
	for i := 0; i+1 < len(fields); i += 2 {
		name, v := fields[i], fields[i+1]
		var err error
		if alerts.holds(name) {
			err = alerts.set(name, v)
		} else {
			err = setField(inc, name, v)
		}
		if err != nil {
			return fmt.Errorf("field %s: %w", name, err)
		}
	}
	var err error
	inc.Alerts, err = alerts.ids()
	return err
}

// alertChunks gathers an incident's alert IDs from the arrays of its fields
// 'alerts', 'alerts:1', 'alerts:2'... and their count 'alert_chunks'
// (common.lua), which a hash gives back in no order.
type alertChunks struct {
	chunks map[int][]string
	count  int // 0: not stored, one array
}

func (a *alertChunks) holds(name string) bool {
	return name == "alerts" || name == "alert_chunks" || strings.HasPrefix(name, "alerts:")
}

func (a *alertChunks) set(name, v string) error {
	if name == "alert_chunks" {
		n, err := strconv.Atoi(v)
		if err == nil && n < 1 {
			err = fmt.Errorf("%d arrays", n)
		}
		a.count = n
		return err
	}
	i := 0
	if name != "alerts" {
		var err error
		if i, err = strconv.Atoi(strings.TrimPrefix(name, "alerts:")); err != nil || i < 1 {
			return fmt.Errorf("not an array of alert IDs")
		}
	}
	var ids []string
	if err := jsonrecord.Unmarshal([]byte(v), &ids); err != nil {
		return err
	}
	if a.chunks == nil {
		a.chunks = map[int][]string{}
	}
	a.chunks[i] = ids
	return nil
}

// ids joins the arrays in order; one missing is damage.
func (a *alertChunks) ids() ([]string, error) {
	if len(a.chunks) == 0 && a.count == 0 {
		return nil, nil
	}
	n := max(a.count, 1)
	if len(a.chunks) != n {
		return nil, fmt.Errorf("alert IDs: %d arrays of %d", len(a.chunks), n)
	}
	var out []string
	for i := range n {
		ids, ok := a.chunks[i]
		if !ok {
			return nil, fmt.Errorf("alert IDs: array %d of %d missing", i, n)
		}
		out = append(out, ids...)
	}
	return out, nil
}

func setField(inc *engine.Incident, name, v string) (err error) {
	switch name {
	case "number":
		inc.Number, err = strconv.ParseInt(v, 10, 64)
	case "service":
		inc.Service = v
	case "policy":
		inc.Policy = v
	case "category":
		inc.Category = v
	case "priority":
		inc.Priority, err = engine.ParsePriority(v)
	case "state":
		inc.State = engine.State(v)
	case "summary":
		inc.Summary = v
	case "group_key":
		inc.GroupKey = v
	case "owner":
		inc.Owner = v
	case "resolved_by":
		inc.ResolvedBy = v
	default:
		return setCounterField(inc, name, v)
	}
	return err
}

// setCounterField sets the fields that are times, numbers and lists.
func setCounterField(inc *engine.Incident, name, v string) (err error) {
	switch name {
	case "first_alert_at":
		inc.FirstAlertAt, err = parseTime(v)
	case "opened_at":
		inc.OpenedAt, err = parseTime(v)
	case "acked_at":
		inc.AckedAt, err = parseTime(v)
	case "resolved_at":
		inc.ResolvedAt, err = parseTime(v)
	case "gen":
		inc.Gen, err = strconv.ParseInt(v, 10, 64)
	case "round":
		inc.Round, err = strconv.Atoi(v)
	case "step":
		inc.Step, err = strconv.Atoi(v)
	case "firing":
		inc.Firing, err = strconv.Atoi(v)
	}
	return err
}
