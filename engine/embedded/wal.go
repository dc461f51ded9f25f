package embedded

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"
)

// The write-ahead log. Every commit appends one frame to the log's current
// segment file (wal-<n>.log in the data directory, n in hex) and syncs it
// (fdatasync where there is one): an append and one sync are all a waiting
// caller waits for. The checkpointer (checkpoint.go) copies what the
// frames wrote into the bbolt file in the background, each record once
// however often it changed, and records there the segment from which the
// log is to be replayed; the segments before it are removed. Open replays
// the log into the bbolt file before loading it.
//
// A frame is the payload's length (uint32, little endian), its CRC-32C,
// and the payload: records, each an op byte (the bucket's code, with
// walDelete set for a delete), the key, and for a put the value (each a
// uvarint length and the bytes). Every record is a whole value or a delete,
// so replaying a frame twice leaves what replaying it once does: a segment
// partly copied into bbolt before a crash is replayed whole.
//
// Segments are made in advance as zeros (see wal), so a segment's frames
// are followed by zeros, and the segment made for after the last may hold
// nothing but zeros. A crash may leave the end of the last segment that
// holds frames torn (a frame cut short, or bytes that never arrived):
// replay stops at its first frame that does not read whole, and Open starts
// a new segment, so that nothing is ever appended after it. Anything but
// zeros after the last whole frame of an earlier segment is damage: those
// were complete and synced before the log moved on, and Open refuses the
// log, naming the segment and the offset.

// walBuckets lists the buckets a record's op byte can name: the code is
// the index plus one.
var walBuckets = [][]byte{bucketIncidents, bucketAlerts, bucketTimers, bucketLastPaged, bucketMeta,
	bucketTimeline, bucketIncidentAlerts}

const (
	walDelete      = 0x80
	walFrameHeader = 8
	// walSegmentBytes is the size past which the log moves to a new
	// segment, so that checkpoints can remove the old ones.
	walSegmentBytes = 64 << 20
	// walMaxFrame bounds a frame's length, so that damaged lengths are not
	// believed.
	walMaxFrame = 1 << 30
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	keyWALFrom = []byte("wal_from")
)

// walRecord is one record a frame puts or deletes.
type walRecord struct {
	bucket []byte
	key    string
	value  []byte // nil: delete
}

// apply puts or deletes the record in tx.
func (r walRecord) apply(tx *bbolt.Tx) error {
	b := tx.Bucket(r.bucket)
	b.FillPercent = fillOf(r.bucket)
	if r.value == nil {
		return b.Delete([]byte(r.key))
	}
	return b.Put([]byte(r.key), r.value)
}

// bucketCode returns the op byte naming bucket.
func bucketCode(bucket []byte) byte {
	for i, b := range walBuckets {
		if bytes.Equal(b, bucket) {
			return byte(i + 1)
		}
	}
	panic(fmt.Sprintf("no log code for bucket %q", bucket))
}

// appendFrame appends to buf one frame holding writes, each encoded.
func appendFrame(buf []byte, writes []write) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, walFrameHeader)...)
	for i := range writes {
		wr := &writes[i]
		op := bucketCode(wr.bucket)
		if wr.value == nil {
			op |= walDelete
		}
		buf = append(buf, op)
		buf = binary.AppendUvarint(buf, uint64(len(wr.key)))
		buf = append(buf, wr.key...)
		if wr.value != nil {
			buf = binary.AppendUvarint(buf, uint64(len(wr.data)))
			buf = append(buf, wr.data...)
		}
	}
	payload := buf[start+walFrameHeader:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

// errTorn: the data ends inside a frame.
var errTorn = errors.New("the log ends inside a frame")

// readFrames calls f with the records of each whole frame in data, in
// order, and returns the offset after the last whole frame. It stops at the
// first frame that does not read whole, with an error saying why (errTorn
// when the data ends inside it), or at f's first error.
func readFrames(data []byte, f func(walRecord) error) (int, error) {
	off := 0
	for off < len(data) {
		if len(data)-off < walFrameHeader {
			return off, errTorn
		}
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		switch {
		case n == 0:
			// No frame is empty: this is space the file grew by and
			// whose bytes never came.
			return off, errors.New("frame is empty")
		case n > walMaxFrame:
			return off, fmt.Errorf("frame length %d is past the limit", n)
		}
		end := off + walFrameHeader + int(n)
		if end > len(data) {
			return off, errTorn
		}
		payload := data[off+walFrameHeader : end]
		if crc32.Checksum(payload, castagnoli) != sum {
			return off, errors.New("frame checksum does not match")
		}
		records, err := parseRecords(payload)
		if err != nil {
			return off, err
		}
		for _, r := range records {
			if err := f(r); err != nil {
				return off, err
			}
		}
		off = end
	}
	return off, nil
}

// parseRecords reads a frame's payload; the records share its bytes.
func parseRecords(p []byte) ([]walRecord, error) {
	var out []walRecord
	for len(p) > 0 {
		op := p[0]
		code := int(op &^ walDelete)
		if code < 1 || code > len(walBuckets) {
			return nil, fmt.Errorf("record names no bucket (op %#x)", op)
		}
		var key []byte
		var err error
		if key, p, err = readBytes(p[1:]); err != nil {
			return nil, fmt.Errorf("record key: %w", err)
		}
		r := walRecord{bucket: walBuckets[code-1], key: string(key)}
		if op&walDelete == 0 {
			if r.value, p, err = readBytes(p); err != nil {
				return nil, fmt.Errorf("record value: %w", err)
			}
			if r.value == nil {
				r.value = []byte{}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// readBytes reads a uvarint length and that many bytes.
func readBytes(p []byte) (field, rest []byte, err error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, errors.New("length runs past the frame")
	}
	return p[k : k+int(n) : k+int(n)], p[k+int(n):], nil
}

// wal appends frames to the log's current segment. It is owned by the
// writer's goroutine. Each segment is made in advance as zeros, synced with
// its name, while the one before it fills: a frame written over the zeros
// changes neither the file's size nor where its blocks are, so its fsync
// writes the frame alone (about half the time of an append that grows the
// file, on this project's machines). The first segment after Open is 1 MiB
// and each next one four times the last, up to maxBytes, so that a store
// opened for little costs little.
type wal struct {
	dir      string
	seg      uint64
	file     *os.File
	size     int64 // where the next frame goes
	capacity int64 // the zeros the segment was made with
	maxBytes int64
	buf      []byte
	next     chan preparedSegment // segment seg+1, once being made
}

// firstSegmentBytes is the size of the first segment after Open.
const firstSegmentBytes = 1 << 20

// preparedSegment is a segment made in advance, or why it could not be.
type preparedSegment struct {
	file     *os.File
	capacity int64
	err      error
}

func segmentPath(dir string, seg uint64) string {
	return filepath.Join(dir, fmt.Sprintf("wal-%016x.log", seg))
}

// segments lists the log's segment numbers in dir, in order.
func segments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range entries {
		hex, ok := strings.CutPrefix(e.Name(), "wal-")
		if hex, ok = strings.CutSuffix(hex, ".log"); !ok {
			continue
		}
		if n, err := strconv.ParseUint(hex, 16, 64); err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// openWAL starts segment seg, a new file.
func openWAL(dir string, seg uint64, maxBytes int64) (*wal, error) {
	size := min(firstSegmentBytes, maxBytes)
	f, err := prepareSegment(dir, seg, size)
	if err != nil {
		return nil, err
	}
	return &wal{dir: dir, seg: seg, file: f, capacity: size, maxBytes: maxBytes}, nil
}

// prepareNext starts making segment seg+1, unless it is being made.
func (l *wal) prepareNext() {
	if l.next != nil {
		return
	}
	next := make(chan preparedSegment, 1)
	l.next = next
	dir, seg, size := l.dir, l.seg+1, min(l.capacity*4, l.maxBytes)
	go func() {
		f, err := prepareSegment(dir, seg, size)
		next <- preparedSegment{f, size, err}
	}()
}

// segmentChunkBytes is how many zeros prepareSegment writes before it
// syncs them: the log's commits meanwhile wait for the disk to take at
// most that much besides their frame, not a whole segment's (a 64 MiB
// segment synced at once held commits back for up to 33 ms).
const segmentChunkBytes = 1 << 20

// prepareSegment creates segment seg as size bytes of zeros, a chunk
// synced at a time, and makes it and its name durable.
func prepareSegment(dir string, seg uint64, size int64) (*os.File, error) {
	f, err := os.OpenFile(segmentPath(dir, seg), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create log segment: %w", err)
	}
	zeros := make([]byte, min(size, segmentChunkBytes))
	for n := int64(0); n < size && err == nil; n += int64(len(zeros)) {
		if _, err = f.Write(zeros[:min(int64(len(zeros)), size-n)]); err == nil {
			err = syncData(f)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("prepare log segment: %w", err)
	}
	return f, nil
}

// append writes writes as one frame and fsyncs it, and returns the segment
// that holds it. A frame that does not fit in what is left of the segment
// goes to the next one (a frame larger than a segment grows its own). Once
// the segment is half full, the next is made.
func (l *wal) append(writes []write) (uint64, error) {
	l.buf = appendFrame(l.buf[:0], writes)
	if l.size > 0 && l.size+int64(len(l.buf)) > l.capacity {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	if _, err := l.file.WriteAt(l.buf, l.size); err != nil {
		return 0, fmt.Errorf("append to the log: %w", err)
	}
	if err := syncData(l.file); err != nil {
		return 0, fmt.Errorf("sync the log: %w", err)
	}
	l.size += int64(len(l.buf))
	if cap(l.buf) > 4<<20 {
		l.buf = nil // one large commit does not keep its buffer
	}
	if l.size > l.capacity/2 {
		l.prepareNext()
	}
	return l.seg, nil
}

// rotate moves to the next segment, made in advance.
func (l *wal) rotate() error {
	l.prepareNext()
	if err := l.file.Close(); err != nil {
		return fmt.Errorf("close log segment: %w", err)
	}
	p := <-l.next
	if p.err != nil {
		l.next <- p // close finds it
		return p.err
	}
	l.seg, l.file, l.size, l.capacity, l.next = l.seg+1, p.file, 0, p.capacity, nil
	return nil
}

// close closes the segment in use, and the one made for after it, if any,
// which stays on disk, empty.
func (l *wal) close() error {
	if l.next != nil {
		if p := <-l.next; p.file != nil {
			p.file.Close()
		}
	}
	return l.file.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// walFrom reads from the bbolt file the segment the log is replayed from.
func walFrom(tx *bbolt.Tx) uint64 {
	v := tx.Bucket(bucketMeta).Get(keyWALFrom)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putWALFrom(tx *bbolt.Tx, seg uint64) error {
	return tx.Bucket(bucketMeta).Put(keyWALFrom, binary.BigEndian.AppendUint64(nil, seg))
}

// replayLog copies into the bbolt file what the log holds past its last
// checkpoint, removes the log's segments, and returns the number of the
// segment to write next. Segments before the checkpoint's are already in
// the file and are not replayed.
func replayLog(db *bbolt.DB, dir string) (uint64, error) {
	segs, err := segments(dir)
	if err != nil {
		return 0, fmt.Errorf("list log segments: %w", err)
	}
	var next uint64
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range walBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		next = max(walFrom(tx), 1)
		// torn is the damage of the first segment to end in something
		// but zeros: no damage if no later segment holds anything.
		var torn error
		for _, seg := range segs {
			if seg < next {
				continue
			}
			written, damage, err := replaySegment(tx, dir, seg)
			if err != nil {
				return err
			}
			if torn != nil && written {
				return torn
			}
			torn = cmp.Or(torn, damage)
			next = seg + 1
		}
		return putWALFrom(tx, next)
	})
	if err != nil {
		return 0, err
	}
	if err := removeSegments(dir, segs, next); err != nil {
		return 0, err
	}
	return next, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// replaySegment applies one segment's frames to tx, and reports whether it
// holds anything but zeros. What follows its last whole frame must be
// zeros; if not, it returns that as damage, which only the last segment
// written may have (its end torn by a crash).
func replaySegment(tx *bbolt.Tx, dir string, seg uint64) (written bool, damage, err error) {
	path := segmentPath(dir, seg)
	data, err := os.ReadFile(path)
	if err != nil {
		return false, nil, fmt.Errorf("read log segment: %w", err)
	}
	var applied error
	off, err := readFrames(data, func(r walRecord) error {
		applied = r.apply(tx)
		return applied
	})
	if applied != nil {
		return false, nil, applied
	}
	if err != nil && !allZero(data[off:]) {
		return true, fmt.Errorf("log segment %s is damaged at offset %d: %w", filepath.Base(path), off, err), nil
	}
	return off > 0, nil, nil
}

// removeSegments removes the listed segments below before.
func removeSegments(dir string, segs []uint64, before uint64) error {
	for _, seg := range segs {
		if seg >= before {
			continue
		}
		if err := os.Remove(segmentPath(dir, seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove log segment: %w", err)
		}
	}
	return nil
}
