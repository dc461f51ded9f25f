package receivers

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/prometheus/common/model"

	"github.com/klaxonhq/klaxon/engine"
)

// SourceAlertmanager names alerts from Prometheus Alertmanager.
const SourceAlertmanager = "alertmanager"

// amMessage is Alertmanager's webhook body, payload version 4, with its
// alerts left undecoded, so that one bad alert rejects only itself.
type amMessage struct {
	Version     string         `json:"version"`
	Status      string         `json:"status"`
	ExternalURL string         `json:"externalURL"`
	Alerts      jsontext.Value `json:"alerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Alertmanager reads an Alertmanager webhook body (payload version 4): token
// by token when it has the usual shape (alertmanager_tokens.go), else with
// the general decoder, and if some of its alerts do not decode, alert by
// alert.
func Alertmanager(body []byte) (Batch, error) {
	fast := amDecodedPool.Get().(*amDecoded)
	defer fast.release()
	if !readAM(body, fast) {
		fast.empty()
		if decodeBody(body, fast, "an Alertmanager webhook") != nil {
			return alertByAlert(body)
		}
	}
	if err := checkAM(fast.Version, fast.Alerts.present); err != nil {
		return Batch{}, err
	}
	return translateAll(fast.Alerts.list), nil
}

// alertByAlert reads a body whose alerts do not all decode: again, alert by
// alert, to tell which.
func alertByAlert(body []byte) (Batch, error) {
	var msg amMessage
	if err := decodeBody(body, &msg, "an Alertmanager webhook"); err != nil {
		return Batch{}, err
	}
	if err := checkAM(msg.Version, len(msg.Alerts) > 0 && string(msg.Alerts) != "null"); err != nil {
		return Batch{}, err
	}
	var raws []jsontext.Value
	if err := json.Unmarshal(msg.Alerts, &raws, decodeOptions); err != nil {
		return Batch{}, bodyErrorf("body is not an Alertmanager webhook: field alerts: want array")
	}
	return translateEach(raws), nil
}

// amDecoded is a webhook body whose alerts all decode. It is pooled, because
// growing a new alert slice for every body is nearly a quarter of what
// decoding a large one allocates.
type amDecoded struct {
	Version string   `json:"version"`
	Alerts  amAlerts `json:"alerts"`
}

var amDecodedPool = sync.Pool{New: func() any { return new(amDecoded) }}

// release empties d and pools it.
func (d *amDecoded) release() {
	d.empty()
	amDecodedPool.Put(d)
}

// empty clears d but for its slice's capacity.
func (d *amDecoded) empty() {
	list := d.Alerts.list[:cap(d.Alerts.list)]
	clear(list) // hold on to none of the maps now handed to the engine
	*d = amDecoded{Alerts: amAlerts{list: list[:0]}}
}

// amAlerts is the alerts array of a body, decoded into the slice it already
// holds. It records whether the body had one, since a reused slice is never
// nil: an empty array is a body without alerts, no array is an error.
type amAlerts struct {
	list    []amAlert
	present bool
}

// UnmarshalJSONFrom reads an array of alerts, or null as no array.
func (a *amAlerts) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	err := json.UnmarshalDecode(dec, &a.list)
	a.present = a.list != nil
	return err
}

func checkAM(version string, hasAlerts bool) error {
	if version != "4" {
		return bodyErrorf("version: want \"4\", got %q", version)
	}
	if !hasAlerts {
		return bodyErrorf("alerts: missing")
	}
	return nil
}

// translateAll translates alerts that decoded together.
func translateAll(alerts []amAlert) Batch {
	b := Batch{Alerts: make([]engine.Alert, 0, len(alerts))}
	for i := range alerts {
		a, err := alerts[i].alert()
		if err != nil {
			b.Rejected = append(b.Rejected, Rejection{Index: i, Fingerprint: alerts[i].Fingerprint, Reason: err.Error()})
			continue
		}
		b.Alerts = append(b.Alerts, a)
	}
	return b
}

// translateEach decodes and translates alerts one by one, rejecting those
// that do not decode.
func translateEach(raws []jsontext.Value) Batch {
	var b Batch
	for i, raw := range raws {
		var am amAlert
		err := json.Unmarshal(raw, &am, decodeOptions)
		if err != nil {
			err = errors.New(jsonProblem(err))
		}
		var a engine.Alert
		if err == nil {
			a, err = am.alert()
		}
		if err != nil {
			b.Rejected = append(b.Rejected, Rejection{Index: i, Fingerprint: am.Fingerprint, Reason: err.Error()})
			continue
		}
		b.Alerts = append(b.Alerts, a)
	}
	return b
}

func (a *amAlert) alert() (engine.Alert, error) {
	if a.Status != "firing" && a.Status != "resolved" {
		return engine.Alert{}, fmt.Errorf("status: want firing or resolved, got %q", a.Status)
	}
	if len(a.Labels) == 0 {
		return engine.Alert{}, errors.New("labels: missing")
	}
	if _, ok := a.Labels[""]; ok {
		return engine.Alert{}, errors.New("labels: a label has an empty name")
	}
	fp := a.Fingerprint
	if fp == "" {
		fp = labelFingerprint(a.Labels)
	}
	return engine.Alert{
		Source: SourceAlertmanager, Fingerprint: fp, Status: engine.AlertStatus(a.Status),
		Summary: amSummary(a.Labels, a.Annotations), Labels: a.Labels, Annotations: a.Annotations,
		StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL,
	}, nil
}

// labelFingerprint identifies an alert by its labels, as Alertmanager does.
func labelFingerprint(ls map[string]string) string {
	set := make(model.LabelSet, len(ls))
	for k, v := range ls {
		set[model.LabelName(k)] = model.LabelValue(v)
	}
	return set.Fingerprint().String()
}

// amSummary is the alert in a few words: its name and its summary (or
// description) annotation.
func amSummary(ls, ann map[string]string) string {
	name := foldSpace(ls["alertname"])
	text := foldSpace(firstOf(ann, "summary", "description", "message"))
	switch {
	case name == "" && text == "":
		return "alert"
	case name == "":
		return text
	case text == "":
		return name
	}
	return name + " " + text
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}
