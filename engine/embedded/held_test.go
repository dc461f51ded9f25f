package embedded

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/klaxonhq/klaxon/engine"
)

// Labels and annotations come back from the packed form as they went in,
// whatever bytes they hold.
func TestPackedPairsRoundTrip(t *testing.T) {
	for _, m := range []map[string]string{
		{"alertname": "HighErrorRate", "severity": "critical"},
		{"": "", "nul": "a\x00b", "\x00": "\xff\xfe"},
		{"long": strings.Repeat("x", 300), strings.Repeat("k", 200): "v"},
	} {
		assert.Equal(t, m, unpackPairs(packPairs(m)))
	}
	assert.Nil(t, unpackPairs(packPairs(map[string]string{})))
}

// A held alert reads out as the record it was made from.
func TestHeldAlertReadsOutWhole(t *testing.T) {
	rec := engine.AlertRecord{Classified: classified("fp1"), Incident: "INC-1", Count: 3}
	rec.Labels = map[string]string{"alertname": "A", "team": "payments"}
	rec.Annotations = map[string]string{"summary": "A", "runbook": "https://runbooks/a"}
	h := holdAlert(&rec)
	assert.Nil(t, h.Labels, "the maps are not kept")
	assert.Equal(t, rec, h.record())
}
