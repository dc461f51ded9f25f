package jsonrecord_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// awkward is text that JSON encoders write differently: HTML characters,
// line separators, invalid UTF-8, quotes, control characters, emoji.
const awkward = "a<b>&c \u2028\u2029 \xff\xfe \"q\" \\ \t\n\x01 é 😀"

func sampleRecords() []any {
	at := time.Date(2026, 11, 22, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	alert := engine.AlertRecord{Classified: engine.Classified{Alert: engine.Alert{Source: "am", Fingerprint: "fp1",
		Status: engine.AlertFiring, Summary: awkward, StartsAt: at,
		Labels: map[string]string{"alertname": "HighErrorRate", awkward: awkward}, Annotations: map[string]string{}},
		Priority: engine.P1, Service: "checkout", GroupKey: "g1", Integration: "am"},
		Incident: "INC-1", Count: 3, FirstSeen: at, LastSeen: at.Add(time.Minute)}
	return []any{
		&engine.Incident{Key: "INC-1", Number: 1, State: engine.StateTriggered, Priority: engine.P1, Summary: awkward,
			Alerts: []string{"am/fp1", awkward}, Firing: 1,
			Timeline: []engine.Entry{{At: at, Kind: engine.EntryOpened, Actor: "am", Detail: awkward}},
			Pages:    []engine.Page{{Key: "page/INC-1", Person: "alice", Channel: engine.ChannelSMS, Status: engine.PageSent, At: at}}},
		&engine.Incident{Key: "INC-2", Alerts: []string{}},
		&engine.Timer{ID: "esc/INC-1", Kind: engine.TimerEscalate, Incident: "INC-1", Gen: 2, Due: at, Lease: awkward,
			LeaseUntil: at.Add(time.Second), Claims: 1},
		&alert,
	}
}

// canonical is a value as encoding/json writes it: two values that read
// alike write alike.
func canonical(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

// zeroOf returns a new zero value of the type v points to (or is).
func zeroOf(v any) any {
	switch v.(type) {
	case *engine.Incident:
		return new(engine.Incident)
	case *engine.Timer:
		return new(engine.Timer)
	default:
		return new(engine.AlertRecord)
	}
}

// Records written here read with encoding/json as with Unmarshal, records
// encoding/json wrote (by earlier versions) read the same with both, and a
// record reads back as it did when encoding/json wrote and read it.
func TestRecordsReadAsEncodingJSONReadsThem(t *testing.T) {
	for _, rec := range sampleRecords() {
		written, err := jsonrecord.Marshal(rec)
		require.NoError(t, err)
		older, err := json.Marshal(rec)
		require.NoError(t, err)
		for _, data := range [][]byte{written, older} {
			ours, theirs := zeroOf(rec), zeroOf(rec)
			require.NoError(t, jsonrecord.Unmarshal(data, ours))
			require.NoError(t, json.Unmarshal(data, theirs))
			require.Equal(t, canonical(t, theirs), canonical(t, ours), "%s", data)
		}
		back, before := zeroOf(rec), zeroOf(rec)
		require.NoError(t, jsonrecord.Unmarshal(written, back))
		require.NoError(t, json.Unmarshal(older, before))
		require.Equal(t, canonical(t, before), canonical(t, back), "a record reads back as with encoding/json alone")
	}
}

// FuzzRecordDecoding: whatever bytes a stored record holds, Unmarshal
// refuses what encoding/json refuses and reads the rest alike.
func FuzzRecordDecoding(f *testing.F) {
	for _, rec := range sampleRecords() {
		data, err := json.Marshal(rec)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`{"key":"INC-1","key":"INC-2"}`))
	f.Add([]byte(`{"KEY":"INC-1","gen":"2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, theirs := new(engine.Incident), new(engine.Incident)
		errOurs, errTheirs := jsonrecord.Unmarshal(data, ours), json.Unmarshal(data, theirs)
		require.Equal(t, errTheirs == nil, errOurs == nil, "ours: %v; encoding/json: %v", errOurs, errTheirs)
		if errOurs == nil {
			require.Equal(t, canonical(t, theirs), canonical(t, ours))
		}
	})
}
