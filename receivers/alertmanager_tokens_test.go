package receivers

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// amShape wraps alerts, as JSON, in a webhook of version 4.
func amShape(alerts string) string { return `{"version":"4","alerts":[` + alerts + `]}` }

const amUsualAlert = `{"status":"firing","labels":{"alertname":"A","instance":"db-1"},"annotations":{"summary":"s"},"startsAt":"2026-11-22T11:59:00Z","fingerprint":"f1"}`

func TestAlertmanagerTokensReadWhatTheGeneralDecoderReads(t *testing.T) {
	cases := []struct {
		name, body string
		usual      bool // read token by token, not left to the general decoder
	}{
		{"the documented example", amBody, true},
		{"escapes and non-ASCII in values", amShape(`{"status":"firing","labels":{"alertname":"A\"\u00e9\n","k":"é"},"fingerprint":"f"}`), true},
		{"offset and fraction in times", amShape(`{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-22T11:59:00.123456789+05:30","endsAt":"2026-11-22T11:59:00-08:00"}`), true},
		{"unknown names of every kind", `{"x":[1,{"y":null}],"version":"4","z":true,"alerts":[{"q":{},"status":"resolved","labels":{"a":"b"}}]}`, true},
		{"a label repeated", amShape(`{"status":"firing","labels":{"a":"b","a":"c"}}`), true},
		{"no alerts", amShape(``), true},
		{"a name in another case", `{"Version":"4","alerts":[` + amUsualAlert + `]}`, false},
		{"a name in JSON's case folding only", amShape(`{"ſtatus":"firing","labels":{"a":"b"}}`), false},
		{"a name repeated", amShape(`{"status":"firing","labels":{"a":"b"},"labels":{"c":"d"}}`), false},
		{"a name with an escape", `{"vers\u0069on":"4","alerts":[` + amUsualAlert + `]}`, false},
		{"null labels", amShape(`{"status":"firing","labels":null}`), false},
		{"null alerts", `{"version":"4","alerts":null}`, false},
		{"a time with a comma", amShape(`{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-22T11:59:00,5Z"}`), false},
		{"a time zone out of range", amShape(`{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-22T11:59:00+24:00"}`), false},
		{"invalid UTF-8 in a value", amShape("{\"status\":\"firing\",\"labels\":{\"a\":\"\xff\"}}"), false},
		{"a number as a label value", amShape(`{"status":"firing","labels":{"a":1}}`), false},
		{"data after the object", amShape(amUsualAlert) + `{}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := new(amDecoded)
			assert.Equal(t, c.usual, readAM([]byte(c.body), got), "read token by token")
			if c.usual {
				want := new(amDecoded)
				require.NoError(t, decodeBody([]byte(c.body), want, "an Alertmanager webhook"))
				assert.Equal(t, decodedOf(want), decodedOf(got))
			}
		})
	}
}

func TestAlertmanagerTokensInternRepeatedStrings(t *testing.T) {
	got := new(amDecoded)
	require.True(t, readAM([]byte(amShape(amUsualAlert+","+amUsualAlert)), got))
	first, second := got.Alerts.list[0].Labels["instance"], got.Alerts.list[1].Labels["instance"]
	assert.Equal(t, "db-1", second)
	assert.Same(t, unsafe.StringData(first), unsafe.StringData(second), "one copy of a repeated value")
}

// FuzzAlertmanagerTokens checks that whatever the token reader reads, the
// general decoder reads alike.
func FuzzAlertmanagerTokens(f *testing.F) {
	f.Add([]byte(amBody))
	f.Add([]byte(amShape(amUsualAlert)))
	f.Add([]byte(amShape(`{"status":"firing","labels":{"a":"b\u00e9"},"endsAt":"2026-11-22T11:59:00.5-08:00"}`)))
	f.Add([]byte(`{"Version":"4","alerts":[{"STATUS":"firing"}]}`))
	f.Add([]byte(amShape(`{"status":"firing","labels":{"\ud800":"\udc00x"},"fingerprint":"\u0000"}`)))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := new(amDecoded)
		if !readAM(body, got) {
			return
		}
		want := new(amDecoded)
		if err := decodeBody(body, want, "an Alertmanager webhook"); err != nil {
			t.Fatalf("read token by token a body the general decoder rejects (%v): %q", err, body)
		}
		if !assert.Equal(t, decodedOf(want), decodedOf(got)) {
			t.Fatalf("body %q", body)
		}
	})
}

// decodedOf is d as both readers should leave it: an empty alert list is
// the same as none.
func decodedOf(d *amDecoded) amDecoded {
	out := *d
	if len(out.Alerts.list) == 0 {
		out.Alerts.list = nil
	}
	return out
}
