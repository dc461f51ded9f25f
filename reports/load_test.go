package reports

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
)

// openBatch opens n incidents at now, one alert each.
func openBatch(t *testing.T, s engine.Store, now time.Time, n int) {
	t.Helper()
	alerts := make([]engine.Classified, n)
	for i := range alerts {
		fp := fmt.Sprintf("%s-%d", now.Format("150405"), i)
		alerts[i] = engine.Classified{Alert: engine.Alert{Source: "alertmanager", Fingerprint: fp,
			Status: engine.AlertFiring, Summary: "A", StartsAt: now}, Priority: engine.P2, Service: "checkout",
			GroupKey: fp, Policy: "payments/payments"}
	}
	_, err := s.Ingest(context.Background(), now, alerts)
	require.NoError(t, err)
}

func TestIncidentsReadsEveryPageOfTheWindow(t *testing.T) {
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	require.NoError(t, err)
	defer s.Close()
	t0 := at("2026-11-01T00:00:00Z")
	openBatch(t, s, t0.Add(-time.Second), 3)     // before since
	openBatch(t, s, t0, pageSize)                // at since: in
	openBatch(t, s, t0.Add(time.Hour), pageSize) // in
	openBatch(t, s, t0.Add(2*time.Hour), 7)      // at until: out

	list, err := Incidents(context.Background(), s, t0, t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Len(t, list, 2*pageSize)
	seen := map[int64]bool{}
	for _, inc := range list {
		assert.False(t, seen[inc.Number], "INC-%d listed twice", inc.Number)
		seen[inc.Number] = true
		assert.Nil(t, inc.Timeline, "timelines are dropped")
	}
	assert.Equal(t, int64(4), list[len(list)-1].Number, "the oldest in the window is the first after the three before it")
}

func TestHumanDurations(t *testing.T) {
	cases := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"under a minute in seconds", 42 * time.Second, "42s"},
		{"rounded to the second", 1499 * time.Millisecond, "1s"},
		{"minutes and seconds", 4*time.Minute + 5*time.Second, "4m05s"},
		{"hours and minutes", 2*time.Hour + 3*time.Minute + 59*time.Second, "2h03m"},
		{"days and hours", 3*24*time.Hour + 4*time.Hour, "3d04h"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, human(1, c.d), c.name)
	}
	assert.Equal(t, "-", human(0, 0), "nothing measured")
}
