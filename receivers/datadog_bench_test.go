package receivers

import "testing"

func BenchmarkDatadogDecode(b *testing.B) {
	body := []byte(ddBody(ddDocVars))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Datadog(body); err != nil {
			b.Fatal(err)
		}
	}
}
