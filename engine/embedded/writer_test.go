package embedded

import (
	"context"
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

	require.NoError(t, s.db.Close()) // the disk goes away
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
	claimed, err := s.ClaimDue(ctx, now, 10*time.Second, 10)
	require.NoError(t, err)
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
