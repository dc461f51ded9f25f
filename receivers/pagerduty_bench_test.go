package receivers

import "testing"

func BenchmarkPagerDutyDecode(b *testing.B) {
	body := []byte(pdSchemaTrigger)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := PagerDuty(body); err != nil {
			b.Fatal(err)
		}
	}
}
