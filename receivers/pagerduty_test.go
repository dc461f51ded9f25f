package receivers

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// pdSchemaTrigger is the request example of PagerDuty's Events API v2
// OpenAPI description (PagerDuty/api-schema, reference/events-v2/openapiv3.json,
// POST /enqueue, example "event").
const pdSchemaTrigger = `{
  "payload": {
    "summary": "DISK at 99% on machine prod-datapipe03.example.com",
    "timestamp": "2015-07-17T08:42:58.315+0000",
    "severity": "critical",
    "source": "prod-datapipe03.example.com",
    "component": "mysql",
    "group": "prod-datapipe",
    "class": "disk",
    "custom_details": {"free space": "1%", "ping time": "1500ms", "load avg": 0.75}
  },
  "routing_key": "e93facc04764012d7bfb002500d5d1a6",
  "dedup_key": "srv01/mysql",
  "event_action": "trigger",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.service.com",
  "links": [{"href": "http://pagerduty.example.com", "text": "An example link."}],
  "images": [{
    "src": "https://chart.googleapis.com/chart?chs=600x400&chd=t:6,2,9,5,2,5,7,4,8,2,1&cht=lc&chds=a&chxt=y&chm=D,0033FF,0,0,5,1",
    "href": "https://google.com", "alt": "An example link with an image"
  }]
}`

// pdDocsTrigger, pdDocsAcknowledge and pdDocsResolve are the example request
// payloads of PagerDuty's "Send an Alert Event" page (PagerDuty/developer-docs,
// docs/events-API-v2/02-Trigger-Events.md). The trigger example is introduced
// as one "without a dedup_key" but carries one; its comment is dropped here.
const (
	pdDocsTrigger = `{
  "payload": {
    "summary": "Example alert on host1.example.com",
    "timestamp": "2015-07-17T08:42:58.315+0000",
    "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
    "severity": "info",
    "component": "postgres",
    "group": "prod-datapipe",
    "class": "deploy",
    "custom_details": {"ping time": "1500ms", "load avg": 0.75}
  },
  "routing_key": "samplekeyhere",
  "dedup_key": "samplekeyhere",
  "images": [{"src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png", "href": "https://example.com/", "alt": "Example text"}],
  "links": [{"href": "https://example.com/", "text": "Link text"}],
  "event_action": "trigger",
  "client": "Sample Monitoring Service",
  "client_url": "https://monitoring.example.com"
}`
	pdDocsAcknowledge = `{"routing_key": "routingkeyhere", "dedup_key": "dedupkeyhere", "event_action": "acknowledge"}`
	pdDocsResolve     = `{"routing_key": "routingkeyhere", "dedup_key": "dedupkeyhere", "event_action": "resolve"}`
)

// pdMinimal is a trigger with only the required fields.
const pdMinimal = `{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"error"}}`

func decodePD(t *testing.T, body string) PagerDutyEvent {
	t.Helper()
	ev, err := PagerDuty([]byte(body))
	require.NoError(t, err)
	return ev
}

func TestPagerDutyTranslatesEveryField(t *testing.T) {
	ev := decodePD(t, pdSchemaTrigger)
	assert.Equal(t, PagerDutyEvent{
		RoutingKey: "e93facc04764012d7bfb002500d5d1a6",
		DedupKey:   "srv01/mysql",
		Alert: engine.Alert{
			Source: "pagerduty", Fingerprint: "srv01/mysql", Status: engine.AlertFiring,
			Summary: "DISK at 99% on machine prod-datapipe03.example.com",
			Labels: map[string]string{
				"alertname": "disk", "severity": "critical", "source": "prod-datapipe03.example.com",
				"component": "mysql", "group": "prod-datapipe", "class": "disk",
			},
			Annotations: map[string]string{
				"free space": "1%", "ping time": "1500ms", "load avg": "0.75",
				"client": "Sample Monitoring Service", "client_url": "https://monitoring.service.com",
			},
			StartsAt:     time.Date(2015, 7, 17, 8, 42, 58, 315e6, time.UTC),
			GeneratorURL: "http://pagerduty.example.com",
		},
	}, ev)
	assert.Equal(t, Batch{Alerts: []engine.Alert{ev.Alert}}, ev.Batch())
}

func TestPagerDutyDocumentedExamples(t *testing.T) {
	cases := []struct {
		name, body         string
		routingKey, dedup  string
		status             engine.AlertStatus
		hasLabels, summary bool
	}{
		{"trigger", pdDocsTrigger, "samplekeyhere", "samplekeyhere", engine.AlertFiring, true, true},
		{"acknowledge", pdDocsAcknowledge, "routingkeyhere", "dedupkeyhere", engine.AlertAcknowledged, false, false},
		{"resolve", pdDocsResolve, "routingkeyhere", "dedupkeyhere", engine.AlertResolved, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := decodePD(t, c.body)
			assert.Equal(t, c.routingKey, ev.RoutingKey)
			assert.Equal(t, c.dedup, ev.DedupKey)
			assert.Equal(t, c.dedup, ev.Alert.Fingerprint)
			assert.Equal(t, "pagerduty", ev.Alert.Source)
			assert.Equal(t, c.status, ev.Alert.Status)
			assert.Equal(t, c.hasLabels, len(ev.Alert.Labels) > 0)
			assert.Equal(t, c.summary, ev.Alert.Summary != "")
		})
	}
}

func TestPagerDutyResolveKeepsASummaryItIsGiven(t *testing.T) {
	// Alertmanager's PagerDuty notifier sends the payload with resolve events too.
	ev := decodePD(t, `{"routing_key":"k","dedup_key":"d","event_action":"resolve",
	  "payload":{"summary":"disk  full","severity":"nonsense"}}`)
	assert.Equal(t, engine.Alert{Source: "pagerduty", Fingerprint: "d", Status: engine.AlertResolved, Summary: "disk full"}, ev.Alert,
		"the payload of a resolve is not validated, and only its summary is kept")
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestPagerDutyTriggerWithoutDedupKeyGetsARandomOne(t *testing.T) {
	for _, body := range []string{pdMinimal, strings.Replace(pdMinimal, `"routing_key"`, `"dedup_key":"  ","routing_key"`, 1)} {
		one, two := decodePD(t, body), decodePD(t, body)
		assert.Regexp(t, uuidV4, one.DedupKey)
		assert.Equal(t, one.DedupKey, one.Alert.Fingerprint, "the alert is found again by the key answered")
		assert.NotEqual(t, one.DedupKey, two.DedupKey, "each trigger without a key is a new alert, as in PagerDuty")
	}
}

func TestPagerDutyAlertname(t *testing.T) {
	cases := []struct {
		name, payload string
		want          map[string]string
	}{
		{"class first", `"class":"cpu load","component":"eth0"`,
			map[string]string{"alertname": "cpu load", "class": "cpu load", "component": "eth0"}},
		{"then component", `"component":"eth0","group":"app-stack"`,
			map[string]string{"alertname": "eth0", "component": "eth0", "group": "app-stack"}},
		{"else pagerduty", ``, map[string]string{"alertname": "pagerduty"}},
		{"blank fields are unset", `"class":" ","component":"","group":"  "`, map[string]string{"alertname": "pagerduty"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			payload := `"summary":"s","source":"h","severity":"warning"`
			if c.payload != "" {
				payload += "," + c.payload
			}
			ev := decodePD(t, `{"routing_key":"k","event_action":"trigger","payload":{`+payload+`}}`)
			want := map[string]string{"severity": "warning", "source": "h"}
			for k, v := range c.want {
				want[k] = v
			}
			assert.Equal(t, want, ev.Alert.Labels)
		})
	}
}

func TestPagerDutyCustomDetails(t *testing.T) {
	cases := []struct {
		name, details string
		want          map[string]string
	}{
		{"strings as they are", `{"a":"x y","b":""}`, map[string]string{"a": "x y", "b": ""}},
		{"other values as JSON", `{"n":1.5,"ok":true,"list":[1, 2],"obj":{"k": "v"}}`,
			map[string]string{"n": "1.5", "ok": "true", "list": "[1,2]", "obj": `{"k":"v"}`}},
		{"a null value is empty", `{"none":null}`, map[string]string{"none": ""}},
		{"a string is one annotation", `"free text"`, map[string]string{"custom_details": "free text"}},
		{"an array is one annotation", `[1, "a"]`, map[string]string{"custom_details": `[1,"a"]`}},
		{"null is none", `null`, nil},
		{"empty is none", `{}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","custom_details":` + c.details + `}}`
			assert.Equal(t, c.want, decodePD(t, body).Alert.Annotations)
		})
	}
}

func TestPagerDutyGeneratorURL(t *testing.T) {
	cases := []struct{ name, extra, want string }{
		{"the first link", `"links":[{"href":"https://a"},{"href":"https://b"}]`, "https://a"},
		{"a link without href is skipped", `"links":[{"text":"t"},{"href":" https://b "}]`, "https://b"},
		{"else the client's URL", `"links":[],"client_url":"https://c"`, "https://c"},
		{"else none", `"client":"x"`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(pdMinimal, `{"routing_key"`, `{`+c.extra+`,"routing_key"`, 1)
			assert.Equal(t, c.want, decodePD(t, body).Alert.GeneratorURL)
		})
	}
}

func TestPagerDutyTimestamp(t *testing.T) {
	at := time.Date(2015, 7, 17, 8, 42, 58, 0, time.UTC)
	cases := []struct {
		name, ts string
		want     time.Time
	}{
		{"RFC 3339", "2015-07-17T08:42:58Z", at},
		{"RFC 3339 with an offset", "2015-07-17T10:42:58+02:00", at},
		{"offset without a colon, as in PagerDuty's examples", "2015-07-17T08:42:58.315+0000", at.Add(315 * time.Millisecond)},
		{"hours-only offset", "2015-07-17T09:42:58+01", at},
		{"no offset is UTC", "2015-07-17T08:42:58", at},
		{"absent is zero", "", time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := strings.Replace(pdMinimal, `"summary"`, `"timestamp":"`+c.ts+`","summary"`, 1)
			assert.Equal(t, c.want, decodePD(t, body).Alert.StartsAt)
		})
	}
}

func TestPagerDutySummaryLimits(t *testing.T) {
	longest := strings.Repeat("é", 1024)
	ev := decodePD(t, strings.Replace(pdMinimal, `"summary":"s"`, `"summary":"`+longest+`"`, 1))
	assert.Equal(t, longest, ev.Alert.Summary, "1024 characters, not bytes, are allowed")
	ev = decodePD(t, strings.Replace(pdMinimal, `"summary":"s"`, `"summary":" a\n\tb "`, 1))
	assert.Equal(t, "a b", ev.Alert.Summary, "white space in the summary is folded")
}

func TestPagerDutyRejects(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"missing routing_key", `{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`,
			[]string{"routing_key: missing"}},
		{"blank routing_key", strings.Replace(pdMinimal, `"routing_key":"k"`, `"routing_key":" "`, 1),
			[]string{"routing_key: missing"}},
		{"missing summary", `{"routing_key":"k","event_action":"trigger","payload":{"source":"h","severity":"info"}}`,
			[]string{"payload.summary: missing"}},
		{"summary too long", strings.Replace(pdMinimal, `"summary":"s"`, `"summary":"`+strings.Repeat("x", 1025)+`"`, 1),
			[]string{"payload.summary: 1025 characters, at most 1024"}},
		{"missing source", strings.Replace(pdMinimal, `"source":"h"`, `"source":""`, 1),
			[]string{"payload.source: missing"}},
		{"missing severity", strings.Replace(pdMinimal, `,"severity":"error"`, ``, 1),
			[]string{"payload.severity: missing"}},
		{"unknown severity", strings.Replace(pdMinimal, `"severity":"error"`, `"severity":"Critical"`, 1),
			[]string{`payload.severity: want critical, error, warning or info, got "Critical"`}},
		{"bad timestamp", strings.Replace(pdMinimal, `"summary"`, `"timestamp":"yesterday","summary"`, 1),
			[]string{`payload.timestamp: "yesterday" is not an ISO 8601 time`}},
		{"trigger without payload", `{"routing_key":"k","event_action":"trigger"}`,
			[]string{"payload: missing, and required to trigger"}},
		{"dedup_key too long", strings.Replace(pdDocsResolve, `"dedupkeyhere"`, `"`+strings.Repeat("d", 256)+`"`, 1),
			[]string{"dedup_key: 256 characters, at most 255"}},
		{"acknowledge without dedup_key", `{"routing_key":"k","event_action":"acknowledge"}`,
			[]string{"dedup_key: missing, and required to acknowledge"}},
		{"resolve with blank dedup_key", `{"routing_key":"k","event_action":"resolve","dedup_key":""}`,
			[]string{"dedup_key: missing, and required to resolve"}},
		{"missing event_action", `{"routing_key":"k","dedup_key":"d"}`, []string{"event_action: missing"}},
		{"unknown event_action", `{"routing_key":"k","dedup_key":"d","event_action":"Trigger"}`,
			[]string{`event_action: want trigger, acknowledge or resolve, got "Trigger"`}},
		{"every problem at once", `{"event_action":"trigger","payload":{"severity":"high"}}`,
			[]string{"routing_key: missing", "payload.summary: missing", "payload.source: missing",
				`payload.severity: want critical, error, warning or info, got "high"`}},
		{"empty body", ``, []string{"body is not a PagerDuty event: empty body"}},
		{"invalid JSON", `{"routing_key":`, []string{"body is not a PagerDuty event: JSON ends early"}},
		{"not an object", `"trigger"`, []string{"body is not a PagerDuty event: want a JSON object"}},
		{"trailing data", pdMinimal + `}`, []string{"body has data after the JSON object"}},
		{"a number for a string", `{"routing_key":"k","event_action":"trigger","payload":{"summary":1}}`,
			[]string{"body is not a PagerDuty event: field payload.summary: want string, got JSON number"}},
		{"links not a list", strings.Replace(pdMinimal, `{"routing_key"`, `{"links":"https://a","routing_key"`, 1),
			[]string{"body is not a PagerDuty event: field links: want array, got JSON string"}},
		{"a number for a link's href", strings.Replace(pdMinimal, `{"routing_key"`, `{"links":[{"href":"https://a"},{"href":2}],"routing_key"`, 1),
			[]string{"body is not a PagerDuty event: field links.1.href: want string, got JSON number"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := PagerDuty([]byte(c.body))
			var pe *PagerDutyError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, c.want, pe.Errors)
			var be *BodyError
			require.ErrorAs(t, err, &be, "a PagerDutyError is the caller's fault")
			assert.Equal(t, strings.Join(c.want, "; "), be.Msg)
		})
	}
}

func TestPagerDutyInvalidEventStillNamesItsRoutingKey(t *testing.T) {
	ev, err := PagerDuty([]byte(`{"routing_key":"token","event_action":"trigger"}`))
	require.Error(t, err)
	assert.Equal(t, "token", ev.RoutingKey, "the caller can authenticate before answering")
	assert.Empty(t, ev.Alert.Fingerprint)
}

func TestPagerDutyErrorValuesAreClipped(t *testing.T) {
	_, err := PagerDuty([]byte(`{"routing_key":"k","dedup_key":"d","event_action":"` + strings.Repeat("x", 5000) + `"}`))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 200, "an error quotes at most the start of a value")
}

func FuzzPagerDuty(f *testing.F) {
	for _, seed := range []string{pdSchemaTrigger, pdDocsTrigger, pdDocsAcknowledge, pdDocsResolve, pdMinimal,
		`{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info","timestamp":"2015-07-17T08:42:58+01","custom_details":[1]}}`,
		`{"routing_key":"k","event_action":"resolve","dedup_key":"d","payload":null,"links":[{}]}`,
		`{}`, `null`, `[]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := PagerDuty(body)
		if err != nil {
			var pe *PagerDutyError
			var be *BodyError
			if !errors.As(err, &pe) || len(pe.Errors) == 0 || !errors.As(err, &be) {
				t.Fatalf("error %v is not a PagerDutyError with problems", err)
			}
			return
		}
		a := ev.Alert
		if a.Source != SourcePagerDuty || a.Fingerprint == "" || a.Fingerprint != ev.DedupKey || blank(ev.RoutingKey) {
			t.Fatalf("accepted an incomplete event: %+v", ev)
		}
		switch a.Status {
		case engine.AlertFiring:
			if a.Summary == "" || a.Labels["alertname"] == "" || a.Labels["source"] == "" {
				t.Fatalf("accepted an incomplete trigger: %+v", a)
			}
		case engine.AlertAcknowledged, engine.AlertResolved:
		default:
			t.Fatalf("accepted status %q", a.Status)
		}
	})
}
