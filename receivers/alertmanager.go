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

// amMessage is Alertmanager's webhook body, payload version 4: only the
// fields Klaxon reads.
type amMessage struct {
	Version     string            `json:"version"`
	Status      string            `json:"status"`
	ExternalURL string            `json:"externalURL"`
	Alerts      []json.RawMessage `json:"alerts"`
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
	var msg amMessage
	if err := decodeBody(body, &msg, "an Alertmanager webhook"); err != nil {
		return Batch{}, err
	}
	if msg.Version != "4" {
		return Batch{}, bodyErrorf("version: want \"4\", got %q", msg.Version)
	}
	if msg.Alerts == nil {
		return Batch{}, bodyErrorf("alerts: missing")
	}
	var b Batch
	for i, raw := range msg.Alerts {
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
	return b, nil
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
