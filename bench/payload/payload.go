// Package payload builds the bodies the bench sends, from one description
// of the alerts: Alertmanager webhooks (payload version 4) for Klaxon, and
// the alert arrays of Alertmanager's own POST /api/v2/alerts, so that both
// are given the same alerts. Bodies are appended by hand rather than
// marshalled, so that building them costs the load generator little of
// the CPU it shares with what it measures.
package payload

import (
	"hash/fnv"
	"strconv"
	"time"
)

// Alert is one firing alert. Its labels are alertname=Name,
// instance=Instance, job="bench" and severity="critical"; its summary
// annotation says it comes from the bench.
type Alert struct {
	Name     string
	Instance string
	StartsAt time.Time
}

// Start is the startsAt of every alert the bench builds: fixed, so that
// bodies are reproducible.
var Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Group returns n alerts of one group: alertname name, instances host-0 to
// host-(n-1). Alertmanager groups by alertname before it sends a webhook,
// so one webhook carries one group.
func Group(name string, n int) []Alert { return GroupFrom(name, 0, n) }

// GroupFrom returns n alerts of group name from instance host-from on: the
// next part of a group too large for one webhook.
func GroupFrom(name string, from, n int) []Alert {
	out := make([]Alert, n)
	for i := range out {
		out[i] = Alert{Name: name, Instance: "host-" + strconv.Itoa(from+i), StartsAt: Start}
	}
	return out
}

// Fingerprint identifies an alert by its labels, as Alertmanager puts it in
// webhooks: 16 hex digits.
func (a Alert) Fingerprint() string {
	h := fnv.New64a()
	h.Write([]byte(a.Name))
	h.Write([]byte{0})
	h.Write([]byte(a.Instance))
	return strconv.FormatUint(h.Sum64()|1<<63, 16)
}

// Webhook appends to dst an Alertmanager webhook (payload version 4)
// carrying alerts, all firing, as Alertmanager's webhook_config sends it.
func Webhook(dst []byte, alerts []Alert) []byte {
	group := ""
	if len(alerts) > 0 {
		group = alerts[0].Name
	}
	dst = append(dst, `{"version":"4","groupKey":`...)
	dst = appendString(dst, `{}:{alertname="`+group+`"}`)
	dst = append(dst, `,"truncatedAlerts":0,"status":"firing","receiver":"klaxon","groupLabels":{},`...)
	dst = append(dst, `"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager.bench:9093","alerts":[`...)
	for i, a := range alerts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"status":"firing",`...)
		dst = a.appendFields(dst)
		dst = append(dst, `,"endsAt":"0001-01-01T00:00:00Z","fingerprint":"`...)
		dst = append(dst, a.Fingerprint()...)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...)
}

// APIv2 appends to dst the body of Alertmanager's POST /api/v2/alerts
// carrying alerts, all firing (no endsAt: Alertmanager sets its own).
func APIv2(dst []byte, alerts []Alert) []byte {
	dst = append(dst, '[')
	for i, a := range alerts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		dst = a.appendFields(dst)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendFields appends the fields both formats share: labels, annotations,
// startsAt and generatorURL.
func (a Alert) appendFields(dst []byte) []byte {
	dst = append(dst, `"labels":{"alertname":`...)
	dst = appendString(dst, a.Name)
	dst = append(dst, `,"instance":`...)
	dst = appendString(dst, a.Instance)
	dst = append(dst, `,"job":"bench","severity":"critical"},"annotations":{"summary":"synthetic load from klaxon bench"},"startsAt":"`...)
	dst = a.StartsAt.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","generatorURL":"http://prometheus.bench:9090/graph?g0.expr=up"`...)
	return dst
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
