package target

import "testing"

func TestParseVersionAcceptsV025AndLater(t *testing.T) {
	for _, c := range []struct {
		out, want string
		ok        bool
	}{
		{"alertmanager, version 0.25.0 (branch: debian/sid, revision: 0.25.0-1+b4)", "0.25.0", true},
		{"alertmanager, version 0.27.1 (branch: HEAD)", "0.27.1", true},
		{"alertmanager, version 1.0.0 (branch: HEAD)", "1.0.0", true},
		{"alertmanager, version 0.24.0 (branch: HEAD)", "", false},
		{"no version here", "", false},
	} {
		got, err := parseVersion(c.out)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("parseVersion(%q) = %q, %v; want %q, ok=%v", c.out, got, err, c.want, c.ok)
		}
	}
}

func TestMetricValueFindsAnUnlabelledSample(t *testing.T) {
	text := "# HELP go_memstats_heap_inuse_bytes x\n# TYPE go_memstats_heap_inuse_bytes gauge\n" +
		"go_memstats_heap_inuse_bytes 1.2345e+07\nalertmanager_dispatcher_aggregation_groups 17\n"
	if v, err := metricValue(text, "go_memstats_heap_inuse_bytes"); err != nil || v != 1.2345e7 {
		t.Errorf("heap: %v, %v", v, err)
	}
	if v, err := metricValue(text, "alertmanager_dispatcher_aggregation_groups"); err != nil || v != 17 {
		t.Errorf("groups: %v, %v", v, err)
	}
	if _, err := metricValue(text, "missing"); err == nil {
		t.Error("want an error for a missing metric")
	}
}
