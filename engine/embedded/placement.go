package embedded

import (
	"fmt"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
)

// placeDigits is the width of the incident number that starts the key of
// an incident's, alert's or timer's record in the data file.
const placeDigits = 19

// placeKey is the key in the data file of the record named key that
// belongs to incident: the incident itself, one of its alerts or one of
// its timers. It is the incident's number, zero-padded, then "/" and key.
// bbolt keeps a bucket in the byte order of its keys, in which incident
// keys (INC-9, INC-10) and alert fingerprints are scattered; placed by
// number, the records of new incidents, and of the alerts and timers they
// make, go at the end of their buckets and share pages. A checkpoint then
// writes about one page for every few records it copies, however many the
// file holds, instead of a page for nearly every record (bench/README.md).
// A record of no incident (an event's alert) is placed under 0.
func placeKey(incident, key string) string {
	n, _ := engine.IncidentNumber(incident)
	var digits [placeDigits]byte
	num := strconv.AppendInt(digits[:0], n, 10)
	var b strings.Builder
	b.Grow(placeDigits + 1 + len(key))
	b.WriteString(zeros[:placeDigits-len(num)])
	b.Write(num)
	b.WriteByte('/')
	b.WriteString(key)
	return b.String()
}

// zeros pads incident numbers to placeDigits.
var zeros = strings.Repeat("0", placeDigits)

// placedFill is how full bbolt fills the pages of the buckets whose
// records are placed by incident, where it splits a page that grew past
// one. Their new records go at the end, so pages split there are not
// written to again, and half-full ones (bbolt's default) would take twice
// the pages and writes.
const placedFill = 0.9

// fillOf is how full bbolt fills the pages of bucket.
func fillOf(bucket []byte) float64 {
	switch string(bucket) {
	case string(bucketIncidents), string(bucketAlerts), string(bucketTimers):
		return placedFill
	}
	return bbolt.DefaultFillPercent
}

// placedAt reports whether k is placeKey(incident, key), without making it.
func placedAt(k []byte, incident, key string) bool {
	if len(k) != placeDigits+1+len(key) || k[placeDigits] != '/' || string(k[placeDigits+1:]) != key {
		return false
	}
	n, _ := engine.IncidentNumber(incident)
	have, err := strconv.ParseInt(string(k[:placeDigits]), 10, 64)
	return err == nil && have == n
}

// misplaced is a record found at a key other than its place: written
// before records were placed (layout 2), to be moved.
type misplaced struct {
	bucket []byte
	from   string
	to     string
}

// moveBatch is how many records one transaction moves to their places.
const moveBatch = 10_000

// moveToPlaces moves each misplaced record to its place, a batch at a time.
// A move is a put and a delete in one transaction, so a crash leaves each
// record at one key or the other, and the next Open moves what is left.
func moveToPlaces(db *bbolt.DB, moves []misplaced) error {
	for len(moves) > 0 {
		batch := moves[:min(moveBatch, len(moves))]
		moves = moves[len(batch):]
		err := db.Update(func(tx *bbolt.Tx) error {
			for _, m := range batch {
				b := tx.Bucket(m.bucket)
				v := b.Get([]byte(m.from))
				if v == nil {
					continue
				}
				if err := b.Put([]byte(m.to), v); err != nil {
					return err
				}
				if err := b.Delete([]byte(m.from)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("move records to their places: %w", err)
		}
	}
	return nil
}

// appendPlacedWrites adds the writes of the changed records of bucket,
// each at its place: stored returns a record as the store holds it (nil:
// none), incidentOf names a record's incident, and lazy tells a
// duplicate's count. A record that went, or moved to another incident, is
// deleted where it was.
func appendPlacedWrites[T any](ws []write, bucket []byte, changed map[string]*T,
	stored func(string) *T, incidentOf func(*T) string, lazy func(string) bool) []write {
	for id, v := range changed {
		was := stored(id)
		moved := was != nil && (v == nil || incidentOf(was) != incidentOf(v))
		if moved {
			ws = append(ws, write{bucket: bucket, key: placeKey(incidentOf(was), id)})
		}
		if v != nil {
			ws = append(ws, write{bucket: bucket, key: placeKey(incidentOf(v), id), value: v,
				lazy: !moved && lazy(id)})
		}
	}
	return ws
}
