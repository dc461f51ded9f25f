package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/receivers"
)

// requireReadsAsEncodingJSON checks that the answer writeAnswer writes for
// a reads as encoding/json's JSON of a does, and carries its headers.
func requireReadsAsEncodingJSON(t *testing.T, a alertsAnswer) {
	t.Helper()
	rec := httptest.NewRecorder()
	writeAnswer(rec, a)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	want, err := json.Marshal(a)
	require.NoError(t, err)
	var got, wanted any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got), "answer %q", rec.Body.String())
	require.NoError(t, json.Unmarshal(want, &wanted))
	assert.Equal(t, wanted, got, "answer %q", rec.Body.String())
}

func TestWriteAnswerReadsAsEncodingJSON(t *testing.T) {
	results := []engine.IngestResult{
		{AlertID: "alertmanager/f1", Outcome: engine.OutcomeOpened, Incident: "INC-7", Priority: engine.P1},
		{AlertID: "alertmanager/f2", Outcome: engine.OutcomeDuplicate, Priority: engine.P3},
	}
	for name, a := range map[string]alertsAnswer{
		"results":         {Accepted: 2, Rejected: []receivers.Rejection{}, Results: results},
		"none rejected":   {Accepted: 0, Rejected: []receivers.Rejection{}},
		"nil rejected":    {Accepted: 1, Results: results[:1]},
		"some rejected":   {Accepted: 1, Rejected: []receivers.Rejection{{Index: 1, Fingerprint: "f", Reason: "labels: missing"}, {Index: 2, Reason: `status: want firing or resolved, got "x"`}}, Results: results[1:]},
		"escapes":         {Accepted: 1, Rejected: []receivers.Rejection{{Index: 0, Fingerprint: "<a&b>\u2028\t\x01é", Reason: `"\`}}, Results: []engine.IngestResult{{AlertID: "datadog/\"quoted\"\n", Outcome: engine.OutcomeOpened, Priority: engine.P0}}},
		"invalid UTF-8":   {Accepted: 1, Rejected: []receivers.Rejection{{Index: 0, Reason: "bad \xff byte"}}, Results: results[:1]},
		"invalid UTF-8 2": {Accepted: 1, Rejected: []receivers.Rejection{}, Results: []engine.IngestResult{{AlertID: "alertmanager/\xc3", Outcome: engine.OutcomeOpened}}},
	} {
		t.Run(name, func(t *testing.T) { requireReadsAsEncodingJSON(t, a) })
	}
}

func FuzzWriteAnswer(f *testing.F) {
	f.Add(3, "alertmanager/f1", "INC-1", "labels: missing", "f")
	f.Add(0, "<&>", "", "\xff", "\u2028")
	f.Fuzz(func(t *testing.T, accepted int, id, incident, reason, fingerprint string) {
		requireReadsAsEncodingJSON(t, alertsAnswer{Accepted: accepted,
			Rejected: []receivers.Rejection{{Index: accepted, Fingerprint: fingerprint, Reason: reason}},
			Results:  []engine.IngestResult{{AlertID: id, Outcome: engine.OutcomeDuplicate, Incident: incident, Priority: engine.P2}}})
	})
}
