package embedded

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

func classified(fp string) engine.Classified {
	return engine.Classified{Alert: engine.Alert{Source: "am", Fingerprint: fp, Status: engine.AlertFiring,
		Summary: "A"}, Priority: engine.P1, Service: "s", GroupKey: "g-" + fp}
}

// After a failed write the store refuses every change and reports itself
// unready, so that the process restarts from what the disk holds.
func TestAFailedWriteStopsTheStore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	_, err = s.Ingest(ctx, now, []engine.Classified{classified("fp1")})
	require.NoError(t, err)

	require.NoError(t, s.writer.log.file.Close()) // the disk goes away
	_, err = s.Ingest(ctx, now, []engine.Classified{classified("fp2")})
	require.ErrorIs(t, err, engine.ErrUnavailable)
	_, err = s.Ingest(ctx, now, []engine.Classified{classified("fp3")})
	require.ErrorIs(t, err, engine.ErrUnavailable, "refused before reaching the disk")
	assert.ErrorIs(t, s.Ping(ctx), engine.ErrUnavailable)
	_, err = s.Acknowledge(ctx, now, "INC-1", engine.Actor{ID: "a"}, 0)
	assert.ErrorIs(t, err, engine.ErrUnavailable)
}

// Changes that do not wait reach the disk with the next one that does, in
// order.
func TestChangesReachTheDiskInOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	_, err = s.Ingest(ctx, now, []engine.Classified{classified("fp1")})
	require.NoError(t, err)
	claims, err := s.ClaimDue(ctx, now, 10*time.Second, 10)
	require.NoError(t, err)
	claimed := engine.TimersOf(claims)
	require.Len(t, claimed, 1)
	require.NoError(t, s.Complete(ctx, now, engine.Completion{Timer: claimed[0],
		Entries: []engine.Entry{{At: now, Kind: engine.EntryNote, Detail: "not waited for"}}}))
	_, err = s.Acknowledge(ctx, now, "INC-1", engine.Actor{ID: "a", Name: "A"}, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	again, err := Open(dir, Options{})
	require.NoError(t, err)
	defer again.Close()
	inc, err := again.Incident(ctx, "INC-1")
	require.NoError(t, err)
	assert.Equal(t, engine.StateAcknowledged, inc.State)
	assert.Equal(t, "not waited for", inc.Timeline[1].Detail)
}

// diskAlert reads an alert record as the disk holds it: from a copy of the
// data directory, opened as a restarted process would.
func diskAlert(t *testing.T, dir, id string) (rec engine.AlertRecord, ok bool) {
	t.Helper()
	copied := t.TempDir()
	require.NoError(t, os.CopyFS(copied, os.DirFS(dir)))
	s, err := Open(copied, Options{})
	require.NoError(t, err)
	defer s.Close()
	rec, err = s.Alert(context.Background(), id)
	if errors.Is(err, engine.ErrNotFound) {
		return rec, false
	}
	require.NoError(t, err)
	return rec, true
}

// lazyStore opens a store whose duplicate counts, and checkpoints, wait for
// Close.
func lazyStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{CountsEvery: time.Hour, CheckpointEvery: time.Hour})
	require.NoError(t, err)
	return s
}

// ingestTimes ingests the alert n times at now.
func ingestTimes(t *testing.T, s *Store, now time.Time, alert engine.Classified, n int) {
	t.Helper()
	for range n {
		_, err := s.Ingest(context.Background(), now, []engine.Classified{alert})
		require.NoError(t, err)
	}
}

// reopened closes the store, opens it again from dir, and reads the alert.
func reopened(t *testing.T, s *Store, dir, id string) (engine.AlertRecord, error) {
	t.Helper()
	require.NoError(t, s.Close())
	again := lazyStore(t, dir)
	t.Cleanup(func() { _ = again.Close() })
	return again.Alert(context.Background(), id)
}

// A duplicate's count reaches the disk with the next counts commit, not
// with the commits in between; closing the store writes it.
func TestDuplicateCountsAreWrittenLazily(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := lazyStore(t, dir)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	alert := classified("fp1")
	ingestTimes(t, s, now, alert, 3)
	require.NoError(t, s.Sync(ctx))
	rec, ok := diskAlert(t, dir, alert.ID())
	require.True(t, ok, "the new alert is on disk")
	assert.Equal(t, int64(1), rec.Count, "the duplicates' counts wait for the counts commit")

	got, err := reopened(t, s, dir, alert.ID())
	require.NoError(t, err)
	assert.Equal(t, int64(3), got.Count)
}

// A change of an alert that is not a duplicate writes the whole record at
// once, counts included.
func TestAChangedAlertSupersedesItsLazyCount(t *testing.T) {
	dir := t.TempDir()
	s := lazyStore(t, dir)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	alert := classified("fp1")
	ingestTimes(t, s, now, alert, 2)
	alert.Status = engine.AlertResolved
	ingestTimes(t, s, now, alert, 1)
	rec, _ := diskAlert(t, dir, alert.ID())
	assert.Equal(t, engine.AlertResolved, rec.Status)
	assert.Equal(t, int64(3), rec.Count)

	got, err := reopened(t, s, dir, alert.ID())
	require.NoError(t, err)
	assert.Equal(t, engine.AlertResolved, got.Status, "the older count set aside was not written over it")
}

// A count set aside never brings back a record removed after it.
func TestALazyCountDoesNotBringBackARemovedAlert(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := lazyStore(t, dir)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	event := classified("fp1")
	event.Event = engine.EventMaintenance
	ingestTimes(t, s, now, event, 2)
	n, err := s.Purge(ctx, now.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	_, err = reopened(t, s, dir, event.ID())
	assert.ErrorIs(t, err, engine.ErrNotFound)
}
