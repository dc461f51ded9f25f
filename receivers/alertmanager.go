package receivers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/klaxonhq/klaxon/engine"
)

// SourceAlertmanager names alerts from Prometheus Alertmanager.
const SourceAlertmanager = "alertmanager"

// amMessage is Alertmanager's webhook body, payload version 4, with its
// alerts left undecoded, so that one bad alert rejects only itself.
type amMessage struct {
	Version     string          `json:"version"`
	Status      string          `json:"status"`
	ExternalURL string          `json:"externalURL"`
	Alerts      json.RawMessage `json:"alerts"`
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

// Alertmanager reads an Alertmanager webhook body (payload version 4).
func Alertmanager(body []byte) (Batch, error) {
	var fast amDecoded
	if decodeBody(body, &fast, "an Alertmanager webhook") == nil {
		if err := checkAM(fast.Version, fast.Alerts != nil); err != nil {
			return Batch{}, err
		}
		return translateAll(fast.Alerts), nil
	}
	// Something in the body is wrong: decode it again, alert by alert, to
	// tell which.
	var msg amMessage
	if err := decodeBody(body, &msg, "an Alertmanager webhook"); err != nil {
		return Batch{}, err
	}
	if err := checkAM(msg.Version, len(msg.Alerts) > 0 && string(msg.Alerts) != "null"); err != nil {
		return Batch{}, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(msg.Alerts, &raws); err != nil {
		return Batch{}, bodyErrorf("body is not an Alertmanager webhook: field alerts: want array")
	}
	return translateEach(raws), nil
}

// amDecoded is a webhook body whose alerts all decode.
type amDecoded struct {
	Version string    `json:"version"`
	Alerts  []amAlert `json:"alerts"`
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
func translateEach(raws []json.RawMessage) Batch {
	var b Batch
	for i, raw := range raws {
		var am amAlert
		err := json.Unmarshal(raw, &am)
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
	parts := make([]string, 0, 2)
	for _, s := range []string{ls["alertname"], firstOf(ann, "summary", "description", "message")} {
		if s = strings.Join(strings.Fields(s), " "); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "alert"
	}
	return strings.Join(parts, " ")
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}
