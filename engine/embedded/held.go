package embedded

import (
	"encoding/binary"
	"maps"
	"slices"
	"unique"

	"github.com/klaxonhq/klaxon/engine"
)

// heldAlert is an alert record as the store holds it in memory. Its labels
// and annotations are packed into one string each, as two small maps take
// about 600 bytes and their packed pairs a fifth of that; they are
// unpacked only when the record is read out whole. The names it shares
// with every other alert of its source (source, service, integration,
// policy, category) are interned.
type heldAlert struct {
	engine.AlertRecord // Labels and Annotations are always nil
	labels             string
	annotations        string
}

// holdAlert packs a record for keeping.
func holdAlert(rec *engine.AlertRecord) *heldAlert {
	h := &heldAlert{AlertRecord: *rec}
	h.setClassified(&rec.Classified)
	return h
}

// setClassified makes in the held alert's latest version.
func (h *heldAlert) setClassified(in *engine.Classified) {
	h.Classified = *in
	h.labels, h.annotations = packPairs(in.Labels), packPairs(in.Annotations)
	h.Labels, h.Annotations = nil, nil
	for _, s := range []*string{&h.Source, &h.Service, &h.Integration, &h.Policy, &h.Category} {
		*s = intern(*s)
	}
}

// record returns the whole record, labels and annotations unpacked.
func (h *heldAlert) record() engine.AlertRecord {
	rec := h.AlertRecord
	rec.Labels, rec.Annotations = unpackPairs(h.labels), unpackPairs(h.annotations)
	return rec
}

// intern returns the one copy of s the process keeps for equal strings
// (released when no record uses it any more).
func intern(s string) string { return unique.Make(s).Value() }

// packPairs packs a map's pairs, in key order, each string prefixed with
// its length. An empty map packs to "".
func packPairs(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(m[k])))
		b = append(b, m[k]...)
	}
	return string(b)
}

// unpackPairs is the inverse of packPairs; "" unpacks to nil.
func unpackPairs(p string) map[string]string {
	if p == "" {
		return nil
	}
	m := map[string]string{}
	for p != "" {
		var k, v string
		k, p = nextPacked(p)
		v, p = nextPacked(p)
		m[k] = v
	}
	return m
}

// nextPacked splits the first length-prefixed string off p.
func nextPacked(p string) (s, rest string) {
	n, w := binary.Uvarint([]byte(p[:min(len(p), binary.MaxVarintLen64)]))
	return p[w : w+int(n)], p[w+int(n):]
}
