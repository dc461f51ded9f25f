package receivers

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

const amBody = `{
  "version": "4",
  "groupKey": "{}:{alertname=\"HighErrorRate\"}",
  "truncatedAlerts": 0,
  "status": "firing",
  "receiver": "klaxon",
  "groupLabels": {"alertname": "HighErrorRate"},
  "commonLabels": {"alertname": "HighErrorRate"},
  "commonAnnotations": {},
  "externalURL": "http://alertmanager:9093",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
      "annotations": {"summary": "api-gw 12% errors"},
      "startsAt": "2026-11-22T11:59:00Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus:9090/graph?g0.expr=x",
      "fingerprint": "c6ab2a5b1d0f4e1a"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "DiskFull", "instance": "db-1"},
      "annotations": {"description": "disk   at\n95%"},
      "startsAt": "2026-11-22T10:00:00Z",
      "endsAt": "2026-11-22T11:00:00Z"
    }
  ]
}`

func TestAlertmanagerTranslatesEveryField(t *testing.T) {
	b, err := Alertmanager([]byte(amBody))
	require.NoError(t, err)
	require.Empty(t, b.Rejected)
	require.Len(t, b.Alerts, 2)
	a := b.Alerts[0]
	assert.Equal(t, engine.Alert{
		Source: "alertmanager", Fingerprint: "c6ab2a5b1d0f4e1a", Status: engine.AlertFiring,
		Summary:     "HighErrorRate api-gw 12% errors",
		Labels:      map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
		Annotations: map[string]string{"summary": "api-gw 12% errors"},
		StartsAt:    time.Date(2026, 11, 22, 11, 59, 0, 0, time.UTC), EndsAt: time.Time{}.UTC(),
		GeneratorURL: "http://prometheus:9090/graph?g0.expr=x",
	}, a)
	r := b.Alerts[1]
	assert.Equal(t, engine.AlertResolved, r.Status)
	assert.Equal(t, "DiskFull disk at 95%", r.Summary, "white space in the summary is folded")
	assert.NotEmpty(t, r.Fingerprint, "a missing fingerprint is computed from the labels")
}

func TestAlertmanagerFingerprintFromLabelsIsStable(t *testing.T) {
	one := labelFingerprint(map[string]string{"a": "1", "b": "2"})
	assert.Equal(t, one, labelFingerprint(map[string]string{"b": "2", "a": "1"}))
	assert.NotEqual(t, one, labelFingerprint(map[string]string{"a": "1", "b": "3"}))
}

func TestAlertmanagerRejects(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"empty body", ``, "empty body"},
		{"invalid JSON", `{"version":`, "JSON ends early"},
		{"syntax error", `{"version" 4}`, "invalid JSON at byte"},
		{"trailing data", `{"version":"4","alerts":[]} {}`, "data after"},
		{"wrong version", `{"version":"3","alerts":[]}`, `version: want "4", got "3"`},
		{"no alerts", `{"version":"4"}`, "alerts: missing"},
		{"alerts of the wrong type", `{"version":"4","alerts":{}}`, "field alerts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Alertmanager([]byte(c.body))
			var be *BodyError
			require.True(t, errors.As(err, &be), "error %v is a BodyError", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestAlertmanagerRejectsBadAlertsAndKeepsTheRest(t *testing.T) {
	body := `{"version":"4","alerts":[
	  {"status":"firing","labels":{"alertname":"A"}},
	  {"status":"pending","labels":{"alertname":"B"}},
	  {"status":"firing","labels":{}},
	  {"status":"firing","labels":{"alertname":"C"},"startsAt":"yesterday"},
	  {"status":"firing","labels":{"":"x"}},
	  {"status":"firing","labels":{"alertname":"D"},"annotations":[1]}
	]}`
	b, err := Alertmanager([]byte(body))
	require.NoError(t, err)
	require.Len(t, b.Alerts, 1)
	assert.Equal(t, "A", b.Alerts[0].Labels["alertname"])
	reasons := map[int]string{}
	for _, r := range b.Rejected {
		reasons[r.Index] = r.Reason
	}
	assert.Contains(t, reasons[1], `status: want firing or resolved, got "pending"`)
	assert.Contains(t, reasons[2], "labels: missing")
	assert.Contains(t, reasons[3], `time "yesterday" is not RFC 3339`)
	assert.Contains(t, reasons[4], "labels: a label has an empty name")
	assert.Contains(t, reasons[5], "field annotations")
}

func FuzzAlertmanager(f *testing.F) {
	f.Add([]byte(amBody))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"}}]}`))
	f.Add([]byte(`{"version":"4","alerts":[null, 1, "x", {}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Alertmanager(body)
		if err != nil {
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a BodyError", err)
			}
			return
		}
		for _, a := range b.Alerts {
			if a.Fingerprint == "" || len(a.Labels) == 0 || a.Summary == "" {
				t.Fatalf("accepted an incomplete alert: %+v", a)
			}
			if a.Status != engine.AlertFiring && a.Status != engine.AlertResolved {
				t.Fatalf("accepted status %q", a.Status)
			}
		}
	})
}
