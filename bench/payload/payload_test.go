package payload_test

import (
	"encoding/json"
	"testing"

	"github.com/klaxonhq/klaxon/bench/payload"
	"github.com/klaxonhq/klaxon/receivers"
)

func TestWebhookIsReadByKlaxonsReceiver(t *testing.T) {
	alerts := payload.Group("HighErrorRate", 3)
	body := payload.Webhook(nil, alerts)
	batch, err := receivers.Alertmanager(body)
	if err != nil {
		t.Fatalf("receiver: %v\n%s", err, body)
	}
	if len(batch.Rejected) != 0 || len(batch.Alerts) != 3 {
		t.Fatalf("want 3 alerts accepted, got %+v\n%s", batch, body)
	}
	for i, a := range batch.Alerts {
		if a.Labels["alertname"] != "HighErrorRate" || a.Labels["instance"] != alerts[i].Instance {
			t.Errorf("alert %d labels: %v", i, a.Labels)
		}
		if a.Fingerprint != alerts[i].Fingerprint() {
			t.Errorf("alert %d fingerprint %q, want %q", i, a.Fingerprint, alerts[i].Fingerprint())
		}
		if !a.StartsAt.Equal(payload.Start) {
			t.Errorf("alert %d startsAt %v", i, a.StartsAt)
		}
	}
}

func TestAPIv2IsAnArrayOfPostableAlerts(t *testing.T) {
	body := payload.APIv2(nil, payload.Group(`Quote"And\Slash`, 2))
	var got []struct {
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		GeneratorURL string            `json:"generatorURL"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	if len(got) != 2 || got[1].Labels["alertname"] != `Quote"And\Slash` || got[1].Labels["instance"] != "host-1" {
		t.Fatalf("got %+v", got)
	}
	if got[0].StartsAt == "" || got[0].GeneratorURL == "" || got[0].Annotations["summary"] == "" {
		t.Fatalf("missing fields: %+v", got[0])
	}
}

func TestFingerprintsDiffer(t *testing.T) {
	a, b := payload.Group("A", 2), payload.Group("B", 1)
	if a[0].Fingerprint() == a[1].Fingerprint() || a[0].Fingerprint() == b[0].Fingerprint() {
		t.Fatal("distinct alerts share a fingerprint")
	}
}
