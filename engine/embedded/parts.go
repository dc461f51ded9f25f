package embedded

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// An incident's timeline entries and alert IDs are only ever appended, and
// an incident of an alert storm gathers thousands of them. Most incidents
// hold a few, and their record holds them whole: one record to write and
// to read, as every record did before parts existed. Once an incident holds
// more than maxWholeParts, the change that takes it past writes its entries
// and IDs as records of their own, keyed by the incident's key and their
// position (partKey), with its record without them (incidentRecord), in one
// frame. From then on a change writes the entries and IDs it appended
// alone, and joining the incident costs the same at any size.
//
// Store.inParts holds the incidents written in parts: those whose record's
// timeline is empty, where every incident's holds at least the entry of
// its opening.
var (
	bucketTimeline       = []byte("timeline")
	bucketIncidentAlerts = []byte("incident_alerts")
)

// maxWholeParts is how many timeline entries and alert IDs, together, an
// incident's record holds whole: an incident of a few alerts, its
// escalation and its pages.
const maxWholeParts = 64

// partDigits is the width of a part's position in its key, so that the
// keys of one incident sort in the order of their positions.
const partDigits = 10

// incidentRecord is an incident as its own record holds it: without its
// alert IDs and timeline, whose fields here, empty and left out, hide the
// incident's own.
type incidentRecord struct {
	*engine.Incident
	Alerts   []string       `json:"alerts,omitempty"`
	Timeline []engine.Entry `json:"timeline,omitempty"`
}

// partKey is the key of an incident's part at position i.
func partKey(incident string, i int) string {
	return fmt.Sprintf("%s/%0*d", incident, partDigits, i)
}

// parsePartKey splits a part's key into its incident's key and position.
func parsePartKey(key string) (string, int, error) {
	cut := strings.LastIndexByte(key, '/')
	if cut < 0 || len(key)-cut-1 != partDigits {
		return "", 0, fmt.Errorf("part key %q: not incident/position", key)
	}
	i, err := strconv.Atoi(key[cut+1:])
	if err != nil {
		return "", 0, fmt.Errorf("part key %q: %w", key, err)
	}
	return key[:cut], i, nil
}

// writtenWhole reports whether the change writes incident key (inc, not
// removed) whole: it was written whole before, or is new, and is still
// small.
func (c *change) writtenWhole(key string, inc *engine.Incident) bool {
	return !c.s.inParts[key] && len(inc.Timeline)+len(inc.Alerts) <= maxWholeParts
}

// appendIncidentWrites adds the writes of an incident the change made or
// modified (inc) or removed (nil): its record, whole or without its
// timeline entries and alert IDs, and then those not yet written as
// records of their own.
func (c *change) appendIncidentWrites(ws []write, key string, inc *engine.Incident) []write {
	prev, inParts := c.s.incidents[key], c.s.inParts[key]
	if inc == nil {
		ws = append(ws, write{bucket: bucketIncidents, key: placeKey(key, key)})
		if prev != nil && inParts {
			ws = appendPartDeletes(ws, bucketTimeline, key, len(prev.Timeline))
			ws = appendPartDeletes(ws, bucketIncidentAlerts, key, len(prev.Alerts))
		}
		return ws
	}
	if c.writtenWhole(key, inc) {
		return append(ws, write{bucket: bucketIncidents, key: placeKey(key, key), value: inc})
	}
	ws = append(ws, write{bucket: bucketIncidents, key: placeKey(key, key), value: &incidentRecord{Incident: inc}})
	var entriesFrom, alertsFrom int
	if prev != nil && inParts {
		entriesFrom, alertsFrom = len(prev.Timeline), len(prev.Alerts)
	}
	for i := entriesFrom; i < len(inc.Timeline); i++ {
		ws = append(ws, write{bucket: bucketTimeline, key: partKey(key, i), value: &inc.Timeline[i]})
	}
	for i := alertsFrom; i < len(inc.Alerts); i++ {
		ws = append(ws, write{bucket: bucketIncidentAlerts, key: partKey(key, i), value: inc.Alerts[i]})
	}
	return ws
}

// appendPartDeletes adds the deletes of an incident's n parts in bucket.
func appendPartDeletes(ws []write, bucket []byte, incident string, n int) []write {
	for i := range n {
		ws = append(ws, write{bucket: bucket, key: partKey(incident, i)})
	}
	return ws
}

// loadParts appends to each incident loaded its timeline entries and alert
// IDs, in the order of their positions.
func (s *Store) loadParts(tx *bbolt.Tx) error {
	err := s.eachPart(tx, bucketTimeline, func(inc *engine.Incident, v []byte) error {
		var en engine.Entry
		if err := jsonrecord.Unmarshal(v, &en); err != nil {
			return err
		}
		inc.Timeline = append(inc.Timeline, en)
		return nil
	})
	if err != nil {
		return err
	}
	return s.eachPart(tx, bucketIncidentAlerts, func(inc *engine.Incident, v []byte) error {
		inc.Alerts = append(inc.Alerts, string(v))
		return nil
	})
}

// eachPart calls f with each part of bucket and its incident, in key
// order. A part must follow its incident's last: a gap, an incident not
// held or one written whole is damage, and Open refuses it.
func (s *Store) eachPart(tx *bbolt.Tx, bucket []byte, f func(*engine.Incident, []byte) error) error {
	return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		key, i, err := parsePartKey(string(k))
		if err != nil {
			return fmt.Errorf("%s: %w", bucket, err)
		}
		inc := s.incidents[key]
		if inc == nil {
			return fmt.Errorf("%s %s: no incident %s", bucket, k, key)
		}
		if !s.inParts[key] {
			return fmt.Errorf("%s %s: incident %s is written whole", bucket, k, key)
		}
		if have := partsOf(inc, bucket); i != have {
			return fmt.Errorf("%s %s: position %d follows %d parts", bucket, k, i, have)
		}
		if err := f(inc, v); err != nil {
			return fmt.Errorf("%s %s: %w", bucket, k, err)
		}
		return nil
	})
}

// partsOf is how many parts of bucket inc holds so far.
func partsOf(inc *engine.Incident, bucket []byte) int {
	if string(bucket) == string(bucketTimeline) {
		return len(inc.Timeline)
	}
	return len(inc.Alerts)
}

// maxScannedAlerts is how many alert IDs an incident's list may hold for a
// join to scan it for the one joining; past that, an alertIndex answers.
const maxScannedAlerts = 64

// alertIndex holds the positions of the alert IDs of an open incident of
// many alerts in its list, so that a join need not scan the list. A change
// notes what it appends before it is installed; an entry counts only if
// the list holds that ID at that position, so what a discarded change
// noted misleads no one. A resolved incident's index is let go.
type alertIndex map[string]int

// listed reports whether inc lists alert id.
func (c *change) listed(inc *engine.Incident, id string) bool {
	if len(inc.Alerts) <= maxScannedAlerts {
		return slices.Contains(inc.Alerts, id)
	}
	idx := c.s.alertIndexes[inc.Key]
	if idx == nil {
		idx = make(alertIndex, len(inc.Alerts))
		for i, a := range inc.Alerts {
			idx[a] = i
		}
		c.s.alertIndexes[inc.Key] = idx
	}
	i, ok := idx[id]
	return ok && i < len(inc.Alerts) && inc.Alerts[i] == id
}

// noteListed notes the alert ID inc's list just gained, if inc has an index.
func (c *change) noteListed(inc *engine.Incident, id string) {
	if idx := c.s.alertIndexes[inc.Key]; idx != nil {
		idx[id] = len(inc.Alerts) - 1
	}
}
