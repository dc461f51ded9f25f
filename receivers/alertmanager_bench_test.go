package receivers

import (
	"encoding/json"
	"fmt"
	"testing"
)

// amBatch is an Alertmanager webhook of n alerts.
func amBatch(n int) []byte { return amBatchFrom(0, n) }

// amBatchFrom is an Alertmanager webhook of n alerts, numbered from first.
func amBatchFrom(first, n int) []byte {
	alerts := make([]map[string]any, n)
	for i := range alerts {
		alerts[i] = map[string]any{"status": "firing", "startsAt": "2026-11-22T11:59:00Z",
			"labels":      map[string]string{"alertname": "HighErrorRate", "instance": fmt.Sprintf("api-%d", first+i), "severity": "critical", "service": "checkout"},
			"annotations": map[string]string{"summary": "api-gw 12% errors"}, "fingerprint": fmt.Sprintf("%016x", first+i)}
	}
	b, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "alerts": alerts})
	return b
}

func benchmarkAlertmanager(b *testing.B, body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Alertmanager(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAlertmanagerDecode10(b *testing.B) { benchmarkAlertmanager(b, amBatch(10)) }

func BenchmarkAlertmanagerDecode100(b *testing.B) { benchmarkAlertmanager(b, amBatch(100)) }

// BenchmarkAlertmanagerDecode10New decodes webhooks of 10 alerts each read
// for the first time: 50,000 distinct alerts, far more than the recently read
// ones kept.
func BenchmarkAlertmanagerDecode10New(b *testing.B) {
	bodies := make([][]byte, 5000)
	for i := range bodies {
		bodies[i] = amBatchFrom(i*10, 10)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(bodies[0])))
	i := 0
	for b.Loop() {
		if _, err := Alertmanager(bodies[i%len(bodies)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAlertmanagerDecodeRejects is the slow path: one alert of ten does
// not decode, so each is decoded on its own to tell which.
func BenchmarkAlertmanagerDecodeRejects(b *testing.B) {
	body := amBatch(10)
	var msg map[string]any
	_ = json.Unmarshal(body, &msg)
	msg["alerts"].([]any)[3].(map[string]any)["startsAt"] = "yesterday"
	body, _ = json.Marshal(msg)
	benchmarkAlertmanager(b, body)
}
