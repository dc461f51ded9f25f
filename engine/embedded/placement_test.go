package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
)

// ownKeys lists the records of bucket in the closed store's file, in the
// file's order, by their own keys: what follows the incident number.
func ownKeys(t *testing.T, dir string, bucket []byte) []string {
	t.Helper()
	var out []string
	for _, k := range keysOf(t, dir, bucket) {
		require.Greater(t, len(k), placeDigits, "key %q has no incident number", k)
		out = append(out, k[placeDigits+1:])
	}
	return out
}

// The file holds incidents, alerts and timers in the order of their
// incidents' numbers, which neither incident keys (INC-10 before INC-2)
// nor alert IDs follow.
func TestRecordsLieInTheOrderOfTheirIncidents(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	var incidents, alerts, timers []string
	for i := 1; i <= 12; i++ {
		fp := fmt.Sprintf("fp%02d", 12-i) // IDs in the reverse order of their incidents
		ingestOne(t, s, fp)
		key := fmt.Sprintf("INC-%d", i)
		incidents = append(incidents, key)
		alerts = append(alerts, "am/"+fp)
		timers = append(timers, engine.EscalationTimerID(key))
	}
	require.NoError(t, s.Close())

	assert.Equal(t, incidents, ownKeys(t, dir, bucketIncidents))
	assert.Equal(t, alerts, ownKeys(t, dir, bucketAlerts))
	assert.Equal(t, timers, ownKeys(t, dir, bucketTimers))
}

// An alert that fires again after its incident was resolved opens another
// incident, and its record moves to that one's place: the file holds it
// once.
func TestAnAlertOfANewIncidentLeavesItsOldPlace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	ingestOne(t, s, "fp1")
	resolved := classified("fp1")
	resolved.Status = engine.AlertResolved
	_, err = s.Ingest(ctx, walNow, []engine.Classified{resolved})
	require.NoError(t, err)
	res, err := s.Ingest(ctx, walNow, []engine.Classified{classified("fp1")})
	require.NoError(t, err)
	require.Equal(t, "INC-2", res[0].Incident, "the alert opened a new incident")
	require.NoError(t, s.Close())

	assert.Equal(t, []string{placeKey("INC-2", "am/fp1")}, keysOf(t, dir, bucketAlerts))
	a, err := reopen(t, dir).Alert(ctx, "am/fp1")
	require.NoError(t, err)
	assert.Equal(t, "INC-2", a.Incident)
}

// unplace moves the records of bucket in the closed store's file back to
// their own keys, as layout 2 wrote them, but for the first keep.
func unplace(t *testing.T, dir string, bucket []byte, keep int) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "klaxon.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		records := map[string][]byte{}
		require.NoError(t, b.ForEach(func(k, v []byte) error {
			if keep--; keep < 0 {
				records[string(k)] = append([]byte(nil), v...)
			}
			return nil
		}))
		for k, v := range records {
			require.NoError(t, b.Delete([]byte(k)))
			require.NoError(t, b.Put([]byte(k[placeDigits+1:]), v))
		}
		return tx.Bucket(bucketMeta).Put(keyLayout, []byte("2"))
	}))
}

// Open reads a file whose records are at their own keys, as layout 2 left
// them, or some moved and some not, as a crash while moving them leaves
// them; it moves them to their places.
func TestOpenMovesRecordsToTheirPlaces(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	for _, fp := range []string{"fp1", "fp2", "fp3"} {
		ingestOne(t, s, fp)
	}
	require.NoError(t, s.Close())
	placed := map[string][]string{}
	for _, b := range [][]byte{bucketIncidents, bucketAlerts, bucketTimers} {
		placed[string(b)] = keysOf(t, dir, b)
		unplace(t, dir, b, 1)
	}

	s = reopen(t, dir)
	inc, err := s.Incident(ctx, "INC-3")
	require.NoError(t, err)
	assert.Equal(t, []string{"am/fp3"}, inc.Alerts)
	a, err := s.Alert(ctx, "am/fp2")
	require.NoError(t, err)
	assert.Equal(t, "INC-2", a.Incident)
	assert.Len(t, s.timers.byID, 3)
	require.NoError(t, s.Close())

	for _, b := range [][]byte{bucketIncidents, bucketAlerts, bucketTimers} {
		assert.Equal(t, placed[string(b)], keysOf(t, dir, b), "%s", b)
	}
	assert.Equal(t, fmt.Sprint(storeLayout), metaValue(t, dir, keyLayout))
}

// The pages of the buckets placed by incident are filled before bbolt
// splits them, as their records are added at the end: not left half full.
func TestPlacedBucketsFillTheirPages(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	for i := range 300 {
		ingestOne(t, s, fmt.Sprintf("fp%d", i))
	}
	require.NoError(t, s.Close())

	db, err := bbolt.Open(filepath.Join(dir, "klaxon.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketIncidents, bucketAlerts, bucketTimers} {
			st := tx.Bucket(name).Stats()
			full := float64(st.LeafInuse) / float64(st.LeafPageN*db.Info().PageSize)
			assert.Greater(t, full, 0.8, "%s: %d leaf pages %.0f%% full", name, st.LeafPageN, 100*full)
		}
		return nil
	}))
}
