package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
)

func encodedWrites(ws ...write) []write {
	for i := range ws {
		ws[i].encode()
	}
	return ws
}

// readAll reads every whole frame of data.
func readAll(data []byte) ([]walRecord, int, error) {
	var out []walRecord
	n, err := readFrames(data, func(r walRecord) error {
		out = append(out, r)
		return nil
	})
	return out, n, err
}

func TestFramesReadBackWhatWasWritten(t *testing.T) {
	frame := appendFrame(nil, encodedWrites(
		write{bucket: bucketIncidents, key: "INC-1", value: &engine.Incident{Key: "INC-1", Summary: "disk full\x00"}},
		write{bucket: bucketTimers, key: "esc/INC-1"},
		write{bucket: bucketLastPaged, key: "alice", value: ""},
	))
	frame = appendFrame(frame, encodedWrites(write{bucket: bucketMeta, key: "incident_seq", value: int64(7)}))

	got, n, err := readAll(frame)
	require.NoError(t, err)
	assert.Equal(t, len(frame), n)
	require.Len(t, got, 4)
	assert.Equal(t, bucketIncidents, got[0].bucket)
	assert.Equal(t, "INC-1", got[0].key)
	assert.JSONEq(t, `"disk full\u0000"`, string(mustField(t, got[0].value, "summary")))
	assert.Equal(t, walRecord{bucket: bucketTimers, key: "esc/INC-1"}, got[1], "a delete has no value")
	assert.Equal(t, walRecord{bucket: bucketLastPaged, key: "alice", value: []byte{}}, got[2], "an empty value is not a delete")
	assert.Equal(t, "7", string(got[3].value))
}

// mustField returns one field of a JSON object.
func mustField(t *testing.T, data []byte, field string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &m))
	return m[field]
}

// Every way the last frame can be cut short reads as the frames before it.
func TestATornFrameEndsTheRead(t *testing.T) {
	first := appendFrame(nil, encodedWrites(write{bucket: bucketMeta, key: "a", value: "1"}))
	both := appendFrame(first, encodedWrites(write{bucket: bucketMeta, key: "b", value: "2"}))
	for cut := len(first) + 1; cut < len(both); cut++ {
		got, n, err := readAll(both[:cut])
		require.ErrorIs(t, err, errTorn, "cut at %d", cut)
		assert.Equal(t, len(first), n)
		assert.Len(t, got, 1)
	}
	zeros := append(append([]byte{}, first...), make([]byte, 64)...)
	got, n, err := readAll(zeros)
	require.Error(t, err, "space the file grew by, never written")
	assert.Equal(t, len(first), n)
	assert.Len(t, got, 1)
}

func TestAChangedByteIsCaught(t *testing.T) {
	frame := appendFrame(nil, encodedWrites(write{bucket: bucketMeta, key: "a", value: "1"}))
	for i := walFrameHeader; i < len(frame); i++ {
		damaged := append([]byte{}, frame...)
		damaged[i] ^= 0x20
		got, _, err := readAll(damaged)
		require.ErrorContains(t, err, "checksum", "byte %d", i)
		assert.Empty(t, got)
	}
}

// crash stops s as a killed process stops: what is queued is committed to
// the log, and nothing more is copied into the bbolt file.
func crash(t *testing.T, s *Store) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.writer
	close(w.queue)
	w.done.Wait()
	require.NoError(t, w.log.close())
	close(w.ckpt.stop)
	w.ckpt.done.Wait()
	require.NoError(t, s.db.Close())
}

// uncopiedStore opens a store that copies its log into the bbolt file only
// when a test says so.
func uncopiedStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{CheckpointEvery: time.Hour})
	require.NoError(t, err)
	return s
}

func reopen(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var walNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func ingestOne(t *testing.T, s *Store, fp string) {
	t.Helper()
	_, err := s.Ingest(context.Background(), walNow, []engine.Classified{classified(fp)})
	require.NoError(t, err)
}

// What a change waited for is in the log, and a process killed before any
// checkpoint restarts with it.
func TestAChangeInTheLogAloneSurvivesACrash(t *testing.T) {
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	ingestOne(t, s, "fp1")
	_, err := s.Acknowledge(context.Background(), walNow, "INC-1", engine.Actor{ID: "a", Name: "A"}, 0)
	require.NoError(t, err)
	crash(t, s)

	again := reopen(t, dir)
	inc, err := again.Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	assert.Equal(t, engine.StateAcknowledged, inc.State)
	segs, err := segments(dir)
	require.NoError(t, err)
	assert.Len(t, segs, 1, "the replayed segments are gone; the new one is started")
}

// A crash mid-append leaves the last segment torn: the store opens with
// what was whole, and writes after it in a new segment, which a later
// restart reads.
func TestATornLastSegmentOpensWithWhatWasWhole(t *testing.T) {
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	ingestOne(t, s, "fp1")
	seg, end := s.writer.log.seg, s.writer.log.size
	crash(t, s)
	path := segmentPath(dir, seg)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(appendFrame(nil, encodedWrites(write{bucket: bucketMeta, key: "x", value: "y"}))[:10], end)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	again := uncopiedStore(t, dir)
	ingestOne(t, again, "fp2")
	crash(t, again)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "the torn segment was replayed and removed")

	last := reopen(t, dir)
	for _, fp := range []string{"fp1", "fp2"} {
		_, err := last.Alert(context.Background(), "am/"+fp)
		assert.NoError(t, err, fp)
	}
}

// Segments are made as zeros in advance: the zeros after a segment's last
// frame, and a segment made but never written, are no damage.
func TestZerosAfterTheFramesAreTheSegmentsEnd(t *testing.T) {
	dir := t.TempDir()
	log, err := openWAL(dir, 1, 64)
	require.NoError(t, err)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		_, err := log.append(encodedWrites(write{bucket: bucketLastPaged, key: k, value: "INC-1"}))
		require.NoError(t, err)
	}
	require.NoError(t, log.close())
	segs, err := segments(dir)
	require.NoError(t, err)
	require.Greater(t, len(segs), 2, "the frames span segments")
	first, err := os.ReadFile(segmentPath(dir, 1))
	require.NoError(t, err)
	require.Equal(t, byte(0), first[len(first)-1], "the first segment ends in zeros")

	s := reopen(t, dir)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		got, err := s.LastPaged(context.Background(), k)
		require.NoError(t, err)
		assert.Equal(t, "INC-1", got, k)
	}
}

// The map a checkpoint copied is kept, emptied, for a later one, unless a
// burst grew it past the bound.
func TestACheckpointKeepsItsMapWithinTheBound(t *testing.T) {
	c := &checkpointer{}
	small := map[recordKey]walRecord{{bucket: 1, key: "INC-1"}: {key: "INC-1"}}
	c.keepSpare(small)
	require.NotNil(t, c.spare)
	assert.Empty(t, c.spare, "emptied")

	c.spare = nil
	burst := make(map[recordKey]walRecord, maxSpareRecords+1)
	for i := range maxSpareRecords + 1 {
		burst[recordKey{bucket: 1, key: fmt.Sprint(i)}] = walRecord{}
	}
	c.keepSpare(burst)
	assert.Nil(t, c.spare, "a burst's map is let go")
}

// A checkpoint with nothing to copy lets the maps go: after a burst they
// hold the room it grew them to.
func TestAnIdleCheckpointLetsItsMapsGo(t *testing.T) {
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	t.Cleanup(func() { s.Close() })
	ingestOne(t, s, "fp1")
	c := s.writer.ckpt

	require.NoError(t, c.copyPending(0))
	require.NotNil(t, c.spare, "the map copied is kept for a later checkpoint")
	require.NoError(t, c.copyPending(0))
	assert.Nil(t, c.spare, "an idle checkpoint keeps no map")
	c.mu.Lock()
	assert.Empty(t, c.pending)
	c.mu.Unlock()
}

// A segment is made a chunk at a time; the last chunk is what is left of
// its size.
func TestASegmentIsMadeAsZerosOfItsSize(t *testing.T) {
	dir := t.TempDir()
	size := int64(2*segmentChunkBytes + segmentChunkBytes/2)
	f, err := prepareSegment(dir, 7, size)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(segmentPath(dir, 7))
	require.NoError(t, err)
	require.Len(t, data, int(size))
	assert.Equal(t, -1, bytes.IndexFunc(data, func(r rune) bool { return r != 0 }), "only zeros")
}

// A segment before the last was complete when the log moved past it: damage
// in it is refused, naming the segment and where, and nothing is changed.
func TestDamageBeforeTheLastSegmentIsRefused(t *testing.T) {
	dir := t.TempDir()
	log, err := openWAL(dir, 1, 1) // every frame fills its segment
	require.NoError(t, err)
	for _, k := range []string{"a", "b", "c"} {
		_, err := log.append(encodedWrites(write{bucket: bucketLastPaged, key: k, value: "INC-1"}))
		require.NoError(t, err)
	}
	require.NoError(t, log.close())
	data, err := os.ReadFile(segmentPath(dir, 2))
	require.NoError(t, err)
	data[len(data)-1] ^= 1
	require.NoError(t, os.WriteFile(segmentPath(dir, 2), data, 0o600))

	_, err = Open(dir, Options{})
	require.ErrorContains(t, err, "log segment wal-0000000000000002.log is damaged at offset 0")
	segs, err := segments(dir)
	require.NoError(t, err)
	assert.Equal(t, []uint64{1, 2, 3, 4}, segs, "every segment is kept for a look")
}

// A checkpoint copies the log into the bbolt file, records where the log is
// to be replayed from, and removes the segments before that.
func TestACheckpointCopiesTheLogAndCutsIt(t *testing.T) {
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	ingestOne(t, s, "fp1")
	require.NoError(t, s.writer.ckpt.checkpoint(s.writer.log.seg+1))
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		assert.NotNil(t, tx.Bucket(bucketAlerts).Get([]byte(placeKey("INC-1", "am/fp1"))))
		assert.Equal(t, s.writer.log.seg+1, walFrom(tx))
		return nil
	}))
	segs, err := segments(dir)
	require.NoError(t, err)
	assert.Empty(t, segs)
	require.NoError(t, s.Close())
}

// A crash after a checkpoint and before it removed the segments it copied
// leaves them behind: they are not replayed over what came after them.
func TestSegmentsBeforeTheCheckpointAreNotReplayed(t *testing.T) {
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	ingestOne(t, s, "fp1")
	old := segmentPath(dir, s.writer.log.seg)
	kept, err := os.ReadFile(old)
	require.NoError(t, err)
	_, err = s.Acknowledge(context.Background(), walNow, "INC-1", engine.Actor{ID: "a", Name: "A"}, 0)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(old, kept, 0o600))

	again := reopen(t, dir)
	inc, err := again.Incident(context.Background(), "INC-1")
	require.NoError(t, err)
	assert.Equal(t, engine.StateAcknowledged, inc.State, "the older triggered record was not replayed")
	_, err = os.Stat(old)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// When a checkpoint fails the store stops taking changes, and the log keeps
// everything: nothing is lost.
func TestAFailedCheckpointLosesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := uncopiedStore(t, dir)
	ingestOne(t, s, "fp1")
	require.NoError(t, s.db.Close()) // the data file goes away
	require.Error(t, s.writer.ckpt.checkpoint(0))

	assert.ErrorIs(t, s.Ping(ctx), engine.ErrUnavailable)
	_, err := s.Ingest(ctx, walNow, []engine.Classified{classified("fp2")})
	assert.ErrorIs(t, err, engine.ErrUnavailable)
	_ = s.Close()

	again := reopen(t, dir)
	_, err = again.Alert(ctx, "am/fp1")
	assert.NoError(t, err)
}

// FuzzReadFrames reads arbitrary bytes as a log segment: it never panics,
// what it reads whole reads the same again, and the records of a frame it
// built come back as written.
func FuzzReadFrames(f *testing.F) {
	f.Add([]byte{}, "INC-1", []byte(`{"key":"INC-1"}`))
	f.Add(appendFrame(nil, encodedWrites(write{bucket: bucketMeta, key: "a", value: "1"})), "k", []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte, key string, value []byte) {
		got, n, err := readAll(data)
		require.LessOrEqual(t, n, len(data))
		if err == nil {
			require.Equal(t, len(data), n)
		}
		again, m, err := readAll(data[:n])
		require.NoError(t, err)
		require.Equal(t, n, m)
		require.Equal(t, got, again)

		frame := appendFrame(data[:n:n], []write{{bucket: bucketAlerts, key: key, value: string(value), data: value}})
		all, _, err := readAll(frame)
		require.NoError(t, err)
		last := all[len(all)-1]
		assert.Equal(t, key, last.key)
		assert.Equal(t, string(value), string(last.value))
	})
}

// When checkpoints fall behind, the writer waits for the one in progress
// rather than hold ever more records in memory, and goes on once it ends.
func TestTheWriterWaitsForACheckpointThatFallsBehind(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{CheckpointEvery: time.Hour, CheckpointBytes: 64})
	require.NoError(t, err)
	defer s.Close()
	c := s.writer.ckpt
	blocker, err := s.db.Begin(true) // the checkpoint cannot write until it ends
	require.NoError(t, err)
	release := sync.OnceValue(blocker.Rollback)
	defer release()

	record := func(k string) []write {
		return encodedWrites(write{bucket: bucketLastPaged, key: k, value: "INC-1"})
	}
	c.add(record("first"), 1) // starts a checkpoint, which waits for the file
	added := make(chan struct{})
	go func() {
		defer close(added)
		for i := range heldFactor * 64 / 10 {
			c.add(record(fmt.Sprintf("p%04d", i)), 1)
		}
	}()
	select {
	case <-added:
		t.Fatal("the writer went on past the bound while the checkpoint could not write")
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, release())
	<-added
	c.mu.Lock()
	held := c.bytes + c.copying
	c.mu.Unlock()
	assert.Less(t, held, heldFactor*64)
}
