package receivers

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// ddDocVars are values of the template variables as Datadog's Webhooks
// integration documents them (https://docs.datadoghq.com/integrations/webhooks/,
// "Variables": the examples given there for $AGGREG_KEY, $ALERT_ID,
// $ALERT_PRIORITY, $ALERT_TITLE, $ALERT_SCOPE, $DATE and $EVENT_MSG). The
// page gives no example for the others; theirs follow Datadog's formats.
var ddDocVars = map[string]string{
	"$ID":               "7409867461218236593",
	"$ALERT_CYCLE_KEY":  "7409867461218236592",
	"$AGGREG_KEY":       "9bd4ac313a4d1e8fae2482df7b77628",
	"$ALERT_ID":         "1234",
	"$ALERT_TRANSITION": "Triggered",
	"$ALERT_TYPE":       "error",
	"$ALERT_PRIORITY":   "P1",
	"$EVENT_TITLE":      "[P1] [Triggered on {host:ip-012345}] Host is Down",
	"$EVENT_MSG":        "%%%\n@webhook-url Sending to the webhook\n%%%",
	"$TAGS":             "availability-zone:us-east-1a, role:computing-node,monitor",
	"$HOSTNAME":         "ip-012345",
	"$LINK":             "https://app.datadoghq.com/event/event?id=7409867461218236593",
	"$DATE":             "1406662672000",
}

// ddBody fills DatadogTemplate as Datadog does: each variable given is
// substituted, JSON-escaped; the others are left as they are.
func ddBody(vars map[string]string, changes ...string) string {
	all := map[string]string{}
	for k, v := range vars {
		all[k] = v
	}
	for i := 0; i+1 < len(changes); i += 2 {
		all[changes[i]] = changes[i+1]
	}
	body := DatadogTemplate
	for k, v := range all {
		quoted, _ := json.Marshal(v)
		body = strings.ReplaceAll(body, `"`+k+`"`, string(quoted))
	}
	return body
}

func ddAlert(t *testing.T, body string) engine.Alert {
	t.Helper()
	b, err := Datadog([]byte(body))
	require.NoError(t, err)
	require.Empty(t, b.Rejected)
	require.Len(t, b.Alerts, 1)
	return b.Alerts[0]
}

func TestDatadogTemplateIsJSONWithEveryDocumentedField(t *testing.T) {
	var fields map[string]string
	require.NoError(t, json.Unmarshal([]byte(DatadogTemplate), &fields))
	assert.Equal(t, map[string]string{
		"id": "$ID", "alert_cycle_key": "$ALERT_CYCLE_KEY", "aggreg_key": "$AGGREG_KEY",
		"alert_id": "$ALERT_ID", "alert_transition": "$ALERT_TRANSITION", "alert_type": "$ALERT_TYPE",
		"alert_priority": "$ALERT_PRIORITY", "title": "$EVENT_TITLE", "body": "$EVENT_MSG",
		"tags": "$TAGS", "hostname": "$HOSTNAME", "link": "$LINK", "date": "$DATE",
	}, fields)
}

func TestDatadogTemplateUnsubstitutedIsEmpty(t *testing.T) {
	_, err := Datadog([]byte(DatadogTemplate))
	var be *BodyError
	require.ErrorAs(t, err, &be)
	assert.Contains(t, err.Error(), "alert_cycle_key: missing", "every unsubstituted variable reads as empty")
}

func TestDatadogTranslatesEveryField(t *testing.T) {
	a := ddAlert(t, ddBody(ddDocVars))
	assert.Equal(t, engine.Alert{
		Source: "datadog", Fingerprint: "7409867461218236592", Status: engine.AlertFiring,
		Summary: "Host is Down",
		Labels: map[string]string{
			"alertname": "Host is Down", "priority": "P1", "alert_type": "error",
			"hostname": "ip-012345", "monitor_id": "1234",
			"availability_zone": "us-east-1a", "role": "computing-node", "monitor": "true",
		},
		Annotations: map[string]string{
			"body":     "@webhook-url Sending to the webhook",
			"link":     "https://app.datadoghq.com/event/event?id=7409867461218236593",
			"event_id": "7409867461218236593", "alert_transition": "Triggered",
		},
		StartsAt:     time.Date(2014, 7, 29, 19, 37, 52, 0, time.UTC),
		GeneratorURL: "https://app.datadoghq.com/event/event?id=7409867461218236593",
	}, a)
}

func TestDatadogRecoveredEndsAtItsDate(t *testing.T) {
	a := ddAlert(t, ddBody(ddDocVars, "$ALERT_TRANSITION", "Recovered",
		"$EVENT_TITLE", "[P1] [Recovered on {host:ip-012345}] Host is Down", "$DATE", "1406663272000"))
	assert.Equal(t, engine.AlertResolved, a.Status)
	assert.True(t, a.StartsAt.IsZero())
	assert.Equal(t, time.Date(2014, 7, 29, 19, 47, 52, 0, time.UTC), a.EndsAt)
	assert.Equal(t, "Host is Down", a.Labels["alertname"], "the same name as the Triggered notification")
}

// TestDatadogCycle is SPEC behaviour 7 as the receiver sees it: one cycle is
// one alert; a new cycle is a new alert; a retried delivery is identical.
func TestDatadogCycle(t *testing.T) {
	first := ddAlert(t, ddBody(ddDocVars))
	for _, tr := range []string{"Re-Triggered", "Renotify"} {
		again := ddAlert(t, ddBody(ddDocVars, "$ALERT_TRANSITION", tr, "$ID", "7409867461218236999",
			"$EVENT_TITLE", "[P1] ["+tr+" on {host:ip-012345}] Host is Down"))
		assert.Equal(t, first.Fingerprint, again.Fingerprint, "%s in the same cycle is the same alert", tr)
		assert.Equal(t, first.Labels, again.Labels, "%s has the same labels", tr)
		assert.Equal(t, engine.AlertFiring, again.Status)
	}
	recovered := ddAlert(t, ddBody(ddDocVars, "$ALERT_TRANSITION", "Recovered"))
	assert.Equal(t, first.Fingerprint, recovered.Fingerprint)
	assert.Equal(t, engine.AlertResolved, recovered.Status)

	next := ddAlert(t, ddBody(ddDocVars, "$ALERT_CYCLE_KEY", "7409867461218239000"))
	assert.NotEqual(t, first.Fingerprint, next.Fingerprint, "a new cycle is a new alert")

	assert.Equal(t, first, ddAlert(t, ddBody(ddDocVars)), "a retried delivery translates identically")
}

func TestDatadogTransitions(t *testing.T) {
	cases := []struct {
		transition string
		want       engine.AlertStatus
	}{
		{"Triggered", engine.AlertFiring},
		{"Re-Triggered", engine.AlertFiring},
		{"Renotify", engine.AlertFiring},
		{"Warn", engine.AlertFiring},
		{"Re-Warn", engine.AlertFiring},
		{"No Data", engine.AlertFiring},
		{"Re-No Data", engine.AlertFiring},
		{"Recovered", engine.AlertResolved},
		{"triggered", engine.AlertFiring},
		{"RECOVERED", engine.AlertResolved},
		{"  Recovered ", engine.AlertResolved},
	}
	for _, c := range cases {
		t.Run(c.transition, func(t *testing.T) {
			a := ddAlert(t, ddBody(ddDocVars, "$ALERT_TRANSITION", c.transition))
			assert.Equal(t, c.want, a.Status)
		})
	}
}

func TestDatadogFingerprintFallsBack(t *testing.T) {
	cases := []struct {
		name          string
		cycle, aggreg string
		alertID, want string
	}{
		{name: "cycle key first", cycle: "c1", aggreg: "a1", alertID: "1234", want: "c1"},
		{name: "then aggregation key", aggreg: "a1", alertID: "1234", want: "a1"},
		{name: "then monitor id", alertID: "1234", want: "1234"},
		{name: "blank counts as missing", cycle: "  ", aggreg: "a1", want: "a1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"$ALERT_TRANSITION": "Triggered", "$EVENT_TITLE": "x"}
			for k, v := range map[string]string{"$ALERT_CYCLE_KEY": c.cycle, "$AGGREG_KEY": c.aggreg, "$ALERT_ID": c.alertID} {
				if v != "" {
					vars[k] = v
				}
			}
			assert.Equal(t, c.want, ddAlert(t, ddBody(vars)).Fingerprint)
		})
	}
}

func TestDatadogDate(t *testing.T) {
	at := time.Date(2014, 7, 29, 19, 37, 52, 0, time.UTC)
	cases := []struct {
		name, date string
		want       time.Time
	}{
		{"milliseconds, as Datadog sends it", `"1406662672000"`, at},
		{"seconds", `"1406662672"`, at},
		{"milliseconds as a JSON number", `1406662672000`, at},
		{"seconds as a JSON number", `1406662672`, at},
		{"fractional seconds", `"1406662672.25"`, at.Add(250 * time.Millisecond)},
		{"milliseconds in 1973 are still milliseconds", `"100000000000"`, time.UnixMilli(1e11).UTC()},
		{"unsubstituted is zero", `"$DATE"`, time.Time{}},
		{"empty is zero", `""`, time.Time{}},
		{"null is zero", `null`, time.Time{}},
		{"zero is zero", `"0"`, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(ddBody(ddDocVars, "$DATE", "$DATE"), `"$DATE"`, c.date, 1)
			assert.Equal(t, c.want, ddAlert(t, body).StartsAt)
		})
	}
}

func TestDatadogTagsBecomeLabels(t *testing.T) {
	cases := []struct {
		name, tags string
		want       map[string]string
	}{
		{"key and value", "env:prod,service:checkout", map[string]string{"env": "prod", "service": "checkout"}},
		{"spaces after commas", "env:prod, service:checkout", map[string]string{"env": "prod", "service": "checkout"}},
		{"a tag without a value is true", "team", map[string]string{"team": "true"}},
		{"the value keeps its colons", "url:http://x:8080/a", map[string]string{"url": "http://x:8080/a"}},
		{"invalid characters in the key", "kube.namespace/name:a,availability-zone:b", map[string]string{"kube_namespace_name": "a", "availability_zone": "b"}},
		{"a leading digit", "5xx:high", map[string]string{"_5xx": "high"}},
		{"several values of one key, sorted", "role:web,role:api,role:web", map[string]string{"role": "api,web"}},
		{"a value wins over no value", "env,env:prod", map[string]string{"env": "prod"}},
		{"empty keys and tags are skipped", ",:x, ,env:prod,", map[string]string{"env": "prod"}},
		{"fields win over tags", "priority:low,hostname:other,alertname:tag", map[string]string{}},
		{"unsubstituted tags are none", "$TAGS", map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ddAlert(t, ddBody(ddDocVars, "$TAGS", c.tags))
			want := map[string]string{
				"alertname": "Host is Down", "priority": "P1", "alert_type": "error",
				"hostname": "ip-012345", "monitor_id": "1234",
			}
			for k, v := range c.want {
				want[k] = v
			}
			assert.Equal(t, want, a.Labels)
		})
	}
}

func TestDatadogUnsetFieldsAreNoLabels(t *testing.T) {
	a := ddAlert(t, ddBody(map[string]string{"$ALERT_CYCLE_KEY": "c1", "$ALERT_TRANSITION": "Triggered"}))
	assert.Equal(t, map[string]string{"alertname": "datadog"}, a.Labels)
	assert.Equal(t, map[string]string{"alert_transition": "Triggered"}, a.Annotations)
	assert.Equal(t, "Datadog alert", a.Summary)
	assert.True(t, a.StartsAt.IsZero())
	assert.Empty(t, a.GeneratorURL)
}

func TestDatadogTitle(t *testing.T) {
	cases := []struct{ title, want string }{
		{"[Triggered] Host is Down", "Host is Down"},
		{"[P1] [Triggered] Host is Down", "Host is Down"},
		{"[P2] [Re-Triggered on {host:web-1,env:prod}] Host is Down", "Host is Down"},
		{"[Renotify] [Warn] Disk  filling\n up", "Disk filling up"},
		{"[No Data on {host:a}] Heartbeat", "Heartbeat"},
		{"[Re-No Data] Heartbeat", "Heartbeat"},
		{"[recovered] Host is Down", "Host is Down"},
		{"[Triggered] [Memory Alert]", "[Memory Alert]"},
		{"[TEST] [Triggered] Host is Down", "[TEST] [Triggered] Host is Down"},
		{"Host is Down [Triggered]", "Host is Down [Triggered]"},
		{"[P1]", ""},
	}
	for _, c := range cases {
		t.Run(c.title, func(t *testing.T) {
			assert.Equal(t, c.want, ddTitle(c.title))
		})
	}
}

func TestDatadogSummaryFallsBackToTheBody(t *testing.T) {
	a := ddAlert(t, ddBody(ddDocVars, "$EVENT_TITLE", "[Triggered]", "$EVENT_MSG", "%%%\n\n  Load   is 12\nsecond line\n%%%"))
	assert.Equal(t, "Load is 12", a.Summary)
	assert.Equal(t, "datadog", a.Labels["alertname"])
	assert.Equal(t, "Load   is 12\nsecond line", a.Annotations["body"])
}

func TestDatadogRejects(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"empty body", ``, "empty body"},
		{"invalid JSON", `{"id":`, "JSON ends early"},
		{"not an object", `[{"alert_id":"1"}]`, "want a JSON object"},
		{"trailing data", ddBody(ddDocVars) + `{}`, "data after"},
		{"an object for a string", `{"alert_id":{"a":1},"alert_transition":"Triggered"}`, "field alert_id: want string, got JSON object"},
		{"a bool for a string", `{"alert_id":true,"alert_transition":"Triggered"}`, "field alert_id: want string, got JSON bool"},
		{"no fingerprint", ddBody(ddDocVars, "$ALERT_CYCLE_KEY", "", "$AGGREG_KEY", "$AGGREG_KEY", "$ALERT_ID", " "),
			"alert_cycle_key: missing, and neither aggreg_key nor alert_id is set"},
		{"no transition", ddBody(ddDocVars, "$ALERT_TRANSITION", "$ALERT_TRANSITION"), "alert_transition: missing"},
		{"unknown transition", ddBody(ddDocVars, "$ALERT_TRANSITION", "Null"), `alert_transition: want Triggered, Re-Triggered, Renotify, Warn, Re-Warn, No Data, Re-No Data or Recovered, got "Null"`},
		{"date not a number", ddBody(ddDocVars, "$DATE", "yesterday"), `date: want Unix milliseconds or seconds, got "yesterday"`},
		{"date negative", ddBody(ddDocVars, "$DATE", "-1"), "date: -1 is out of range"},
		{"date in microseconds", ddBody(ddDocVars, "$DATE", "1406662672000000"), "date: 1406662672000000 is out of range"},
		{"date NaN", ddBody(ddDocVars, "$DATE", "NaN"), `date: want Unix milliseconds or seconds, got "NaN"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Datadog([]byte(c.body))
			var be *BodyError
			require.ErrorAs(t, err, &be)
			assert.Contains(t, err.Error(), c.want)
			assert.Empty(t, b.Alerts)
		})
	}
}

var promLabelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

func FuzzDatadog(f *testing.F) {
	f.Add([]byte(ddBody(ddDocVars)))
	f.Add([]byte(ddBody(ddDocVars, "$ALERT_TRANSITION", "Recovered", "$DATE", "1406662672")))
	f.Add([]byte(DatadogTemplate))
	f.Add([]byte(`{"alert_id":1234,"alert_transition":"No Data","date":1406662672,"tags":"a:b,,c,1-x:y"}`))
	f.Add([]byte(`{"alert_cycle_key":null,"aggreg_key":"k","alert_transition":"warn","title":"[P1]"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Datadog(body)
		if err != nil {
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not a BodyError", err)
			}
			return
		}
		if len(b.Alerts) != 1 || len(b.Rejected) != 0 {
			t.Fatalf("a body is one alert: %+v", b)
		}
		a := b.Alerts[0]
		if a.Source != SourceDatadog || a.Fingerprint == "" || a.Summary == "" || a.Labels["alertname"] == "" {
			t.Fatalf("accepted an incomplete alert: %+v", a)
		}
		if a.Status != engine.AlertFiring && a.Status != engine.AlertResolved {
			t.Fatalf("accepted status %q", a.Status)
		}
		for name := range a.Labels {
			if !promLabelName.MatchString(name) {
				t.Fatalf("label name %q is not valid", name)
			}
		}
		again, _ := Datadog(body)
		if !assert.ObjectsAreEqual(b, again) {
			t.Fatalf("the same body translated differently: %+v, %+v", b, again)
		}
	})
}
