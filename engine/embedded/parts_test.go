package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

var partsT0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// large is a number of alerts whose incident is written in parts: each
// joins with a timeline entry.
const large = maxWholeParts/2 + 10

// stormAlert is alert i of the one group "storm".
func stormAlert(i int) engine.Classified {
	c := classified(fmt.Sprintf("storm%d", i))
	c.GroupKey = "storm"
	return c
}

// ingestStorm ingests alerts from..to-1 of the storm, one webhook each, and
// returns the key of the incident they share.
func ingestStorm(t *testing.T, s *Store, from, to int) string {
	t.Helper()
	var key string
	for i := from; i < to; i++ {
		res, err := s.Ingest(context.Background(), partsT0, []engine.Classified{stormAlert(i)})
		require.NoError(t, err)
		key = res[0].Incident
	}
	return key
}

// stormStore opens a store for the test holding one incident of n storm
// alerts, and returns the incident's key.
func stormStore(t *testing.T, n int) (*Store, string) {
	t.Helper()
	s, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, ingestStorm(t, s, 0, n)
}

// closeAndReopen closes s and opens its directory again.
func closeAndReopen(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	require.NoError(t, s.Close())
	return reopen(t, dir)
}

// stormID is the ID of stormAlert(i).
func stormID(i int) string {
	a := stormAlert(i)
	return a.ID()
}

// keysOf lists the keys of bucket in the store's file; the store must be
// closed.
func keysOf(t *testing.T, dir string, bucket []byte) []string {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "klaxon.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	var keys []string
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	}))
	return keys
}

// A change to an incident past maxWholeParts writes its record without its
// alerts and timeline, and of those only what it appended.
func TestAJoinWritesWhatItAppendsAlone(t *testing.T) {
	s, key := stormStore(t, large)

	s.mu.Lock()
	c := s.begin()
	alert := stormAlert(large)
	c.ingest(partsT0, &alert)
	writes := c.writes()
	s.mu.Unlock()

	var parts []string
	for i := range writes {
		wr := &writes[i]
		switch string(wr.bucket) {
		case string(bucketTimeline), string(bucketIncidentAlerts):
			parts = append(parts, string(wr.bucket)+" "+wr.key)
		case string(bucketIncidents):
			wr.encode()
			require.NoError(t, wr.err)
			var rec engine.Incident
			require.NoError(t, jsonrecord.Unmarshal(wr.data, &rec))
			assert.Equal(t, key, rec.Key)
			assert.Empty(t, rec.Timeline, "the incident's record holds its timeline")
			assert.Empty(t, rec.Alerts, "the incident's record holds its alerts")
		}
	}
	assert.ElementsMatch(t, []string{"timeline " + partKey(key, large), "incident_alerts " + partKey(key, large)}, parts)
}

// An incident's alerts and timeline come back from the file whole and in
// order, written whole or in parts, past the positions whose keys would
// sort wrong without padding.
func TestAnIncidentsPartsComeBackInOrder(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	key := ingestStorm(t, s, 0, large)
	calm := classified("calm")
	res, err := s.Ingest(context.Background(), partsT0, []engine.Classified{calm})
	require.NoError(t, err)
	small := res[0].Incident
	require.Contains(t, s.inParts, key, "written in parts")
	require.NotContains(t, s.inParts, small, "written whole")
	before := map[string]engine.Incident{}
	for _, k := range []string{key, small} {
		before[k], err = s.Incident(context.Background(), k)
		require.NoError(t, err)
	}
	require.Len(t, before[key].Timeline, large)

	s = closeAndReopen(t, s, dir)
	for _, k := range []string{key, small} {
		after, err := s.Incident(context.Background(), k)
		require.NoError(t, err)
		assert.Equal(t, before[k].Alerts, after.Alerts, k)
		assert.Equal(t, before[k].Timeline, after.Timeline, k)
	}
	assert.Contains(t, s.inParts, key, "read back as written in parts")
	assert.NotContains(t, s.inParts, small, "read back as written whole")
	require.NoError(t, s.Close())
	for _, k := range keysOf(t, dir, bucketTimeline) {
		assert.True(t, strings.HasPrefix(k, key+"/"), "a part of the small incident: %s", k)
	}
}

// An incident stored whole, as every incident was before parts, is read
// as it is, and the change that takes it past maxWholeParts writes it in
// parts: nothing of it is lost.
func TestAnIncidentStoredWholeIsRewrittenInParts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	whole := engine.Incident{Key: "INC-1", Number: 1, Service: "s", Priority: engine.P1, State: engine.StateTriggered,
		Summary: "A", GroupKey: "storm", OpenedAt: partsT0, Gen: 1, Alerts: []string{"am/old"}, Firing: 1}
	for i := range maxWholeParts {
		whole.Timeline = append(whole.Timeline, engine.Entry{At: partsT0, Kind: engine.EntryNote, Detail: fmt.Sprint("note ", i)})
	}
	putRecords(t, dir, map[string]any{"incidents INC-1": &whole, "meta incident_seq": int64(1)})

	s, err = Open(dir, Options{})
	require.NoError(t, err)
	got, err := s.Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	assert.Equal(t, whole.Timeline, got.Timeline)
	res, err := s.Ingest(context.Background(), partsT0, []engine.Classified{stormAlert(1)})
	require.NoError(t, err)
	require.Equal(t, engine.OutcomeJoined, res[0].Outcome)
	assert.Contains(t, s.inParts, "INC-1", "past maxWholeParts, an incident is written in parts")

	s = closeAndReopen(t, s, dir)
	got, err = s.Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"am/old", stormID(1)}, got.Alerts)
	require.Len(t, got.Timeline, maxWholeParts+1)
	assert.Equal(t, whole.Timeline, got.Timeline[:maxWholeParts])
	assert.Equal(t, engine.EntryAlertJoined, got.Timeline[maxWholeParts].Kind)
	require.NoError(t, s.Close())
	assert.Len(t, keysOf(t, dir, bucketTimeline), maxWholeParts+1)
	assert.Equal(t, []string{partKey("INC-1", 0), partKey("INC-1", 1)}, keysOf(t, dir, bucketIncidentAlerts))
}

// Purging an incident deletes its parts with it.
func TestAPurgedIncidentLeavesNoParts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	key := ingestStorm(t, s, 0, large)
	resolved := make([]engine.Classified, large)
	for i := range resolved {
		resolved[i] = stormAlert(i)
		resolved[i].Status = engine.AlertResolved
	}
	_, err = s.Ingest(context.Background(), partsT0, resolved)
	require.NoError(t, err)
	n, err := s.Purge(context.Background(), partsT0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Positive(t, n)

	s = closeAndReopen(t, s, dir)
	_, err = s.Incident(context.Background(), key)
	require.ErrorIs(t, err, engine.ErrNotFound)
	require.NoError(t, s.Close())
	assert.Empty(t, keysOf(t, dir, bucketTimeline))
	assert.Empty(t, keysOf(t, dir, bucketIncidentAlerts))
	assert.Empty(t, keysOf(t, dir, bucketIncidents))
}

// The store's next change appends to the arrays an incident shares with
// it: an incident handed out must not let its holder write there.
func TestAnIncidentHandedOutCannotWriteIntoTheStore(t *testing.T) {
	s, key := stormStore(t, 5)
	held, err := s.Incident(context.Background(), key)
	require.NoError(t, err)

	ingestStorm(t, s, 5, 6)
	_ = append(held.Timeline, engine.Entry{Kind: engine.EntryNote, Detail: "the holder's own"})
	_ = append(held.Alerts, "holder/own")

	got, err := s.Incident(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, engine.EntryAlertJoined, got.Timeline[5].Kind)
	assert.Equal(t, stormID(5), got.Alerts[5])
}

// A part whose incident is not there or is written whole, or that leaves a
// gap, is damage: Open refuses it, naming the record.
func TestOpenRefusesPartsThatDoNotFollowTheirIncident(t *testing.T) {
	for name, parts := range map[string]map[string]any{
		"no incident": {"timeline " + partKey("INC-9", 0): &engine.Entry{Kind: engine.EntryNote}},
		"a gap":       {"incident_alerts " + partKey("INC-2", large+1): "am/x"},
		"whole":       {"incident_alerts " + partKey("INC-1", 1): "am/x"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			require.NoError(t, err)
			_, err = s.Ingest(context.Background(), partsT0, []engine.Classified{classified("solo")}) // INC-1, whole
			require.NoError(t, err)
			ingestStorm(t, s, 0, large) // INC-2, in parts
			require.NoError(t, s.Close())
			putRecords(t, dir, parts)

			_, err = Open(dir, Options{})
			require.Error(t, err)
			for k := range parts {
				_, key, _ := strings.Cut(k, " ")
				assert.Contains(t, err.Error(), key)
			}
		})
	}
}

// putRecords writes records, named "bucket key", into the closed store's
// file as they are encoded for it.
func putRecords(t *testing.T, dir string, records map[string]any) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "klaxon.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		for name, v := range records {
			bucket, key, _ := strings.Cut(name, " ")
			wr := write{bucket: []byte(bucket), key: key, value: v}
			wr.encode()
			if wr.err != nil {
				return wr.err
			}
			if err := tx.Bucket(wr.bucket).Put([]byte(key), wr.data); err != nil {
				return err
			}
		}
		return nil
	}))
}

// What a discarded change noted in an incident's alert index does not make
// the alert listed.
func TestAnAlertIndexIgnoresWhatADiscardedChangeNoted(t *testing.T) {
	s, key := stormStore(t, maxScannedAlerts+2)

	s.mu.Lock()
	c := s.begin()
	alert := stormAlert(maxScannedAlerts + 2)
	c.ingest(partsT0, &alert)
	require.NotNil(t, s.alertIndexes[key], "the incident's alerts are indexed")
	c.discard()
	s.mu.Unlock()

	ingestStorm(t, s, maxScannedAlerts+2, maxScannedAlerts+3)
	got, err := s.Incident(context.Background(), key)
	require.NoError(t, err)
	assert.Equal(t, stormID(maxScannedAlerts+2), got.Alerts[len(got.Alerts)-1])
}

// A data file marked with a later layout than this version's is refused,
// naming both, and left as it was; any other is marked with this one's.
func TestOpenRefusesALaterLayout(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, fmt.Sprint(storeLayout), metaValue(t, dir, keyLayout), "a file opened is marked")

	putRecords(t, dir, map[string]any{"meta layout": int64(storeLayout + 1)})
	_, err = Open(dir, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("layout %d, written by a later Klaxon", storeLayout+1))
	assert.Equal(t, fmt.Sprint(storeLayout+1), metaValue(t, dir, keyLayout), "the refused file is left as it was")
}

// metaValue reads a key of the closed store's meta bucket.
func metaValue(t *testing.T, dir string, key []byte) string {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "klaxon.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	var v string
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get(key))
		return nil
	}))
	return v
}

// An incident's alert index lives while the incident can be joined.
func TestAResolvedIncidentLetsItsAlertIndexGo(t *testing.T) {
	s, key := stormStore(t, maxScannedAlerts+2)
	ingestStorm(t, s, maxScannedAlerts+2, maxScannedAlerts+3)
	s.mu.RLock()
	require.NotNil(t, s.alertIndexes[key], "a join past maxScannedAlerts indexes the incident")
	s.mu.RUnlock()

	_, err := s.Resolve(context.Background(), partsT0, key, engine.Actor{ID: "alice", Name: "Alice"})
	require.NoError(t, err)
	s.mu.RLock()
	defer s.mu.RUnlock()
	assert.NotContains(t, s.alertIndexes, key)
}
