package receivers

import (
	"errors"
	"fmt"
	"sync"
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
		{"version of the wrong type", `{"version":4,"alerts":[]}`, "field version: want string, got JSON number"},
		{"a syntax error after a bad alert", `{"version":"4","alerts":[{"startsAt":1}],`, "JSON ends early"},
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
	  {"status":"firing","labels":{"alertname":"D"},"annotations":[1]},
	  {"status":"firing","labels":{"alertname":"E"},"endsAt":1},
	  7
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
	assert.Equal(t, "field endsAt: want string, got JSON number", reasons[6])
	assert.Equal(t, "want object, got JSON number", reasons[7])
}

func TestAlertmanagerDecodesEachBodyAfresh(t *testing.T) {
	// Bodies are decoded into pooled slices: nothing of one body may show in
	// the next.
	cases := []struct {
		name, body string
		alerts     int
		err        string
	}{
		{"three alerts", string(amBatch(3)), 3, ""},
		{"no alerts field after alerts", `{"version":"4"}`, 0, "alerts: missing"},
		{"null alerts", `{"version":"4","alerts":null}`, 0, "alerts: missing"},
		{"empty alerts", `{"version":"4","alerts":[]}`, 0, ""},
		{"one alert after three", string(amBatch(1)), 1, ""},
		{"an alert without labels after labelled ones", `{"version":"4","alerts":[{"status":"firing"}]}`, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Alertmanager([]byte(c.body))
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			assert.Len(t, b.Alerts, c.alerts)
		})
	}
}

func TestAlertmanagerDecodesConcurrently(t *testing.T) {
	bodies := [][]byte{amBatch(1), amBatch(7), amBatch(30)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				n := []int{1, 7, 30}[(g+i)%3]
				b, err := Alertmanager(bodies[(g+i)%3])
				assert.NoError(t, err)
				if assert.Len(t, b.Alerts, n) {
					assert.Equal(t, fmt.Sprintf("api-%d", n-1), b.Alerts[n-1].Labels["instance"])
				}
			}
		})
	}
	wg.Wait()
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
