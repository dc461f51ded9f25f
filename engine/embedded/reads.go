package embedded

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// Alert returns one alert record.
func (s *Store) Alert(ctx context.Context, id string) (engine.AlertRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.alerts[id]
	if !ok {
		return engine.AlertRecord{}, fmt.Errorf("alert %s: %w", id, engine.ErrNotFound)
	}
	return a.record(), nil
}

// OpenCounts counts open incidents by priority.
func (s *Store) OpenCounts(ctx context.Context) (map[engine.Priority]int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	counts := map[engine.Priority]int{}
	for _, key := range s.open {
		counts[s.incidents[key].Priority]++
	}
	return counts, nil
}

// Events lists events, most recently seen first.
func (s *Store) Events(ctx context.Context, f engine.EventFilter) ([]engine.AlertRecord, error) {
	s.mu.RLock()
	var out []engine.AlertRecord
	for _, a := range s.alerts {
		if f.Match(&a.AlertRecord) {
			out = append(out, a.record())
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b engine.AlertRecord) int { return b.LastSeen.Compare(a.LastSeen) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Purge removes resolved incidents and events older than before.
func (s *Store) Purge(ctx context.Context, before time.Time, max int) (int, error) {
	n := 0
	err := s.update(func(c *change) error {
		for key, inc := range s.incidents {
			if n >= max {
				break
			}
			if inc.Open() || !inc.ResolvedAt.Before(before) {
				continue
			}
			c.removeIncident(key)
			for _, id := range inc.Alerts {
				if a := s.alerts[id]; a != nil && a.Incident == key {
					c.removeAlert(id)
				}
			}
			n++
		}
		for id, a := range s.alerts {
			if n >= max {
				break
			}
			if a.Incident == "" && a.LastSeen.Before(before) {
				c.removeAlert(id)
				n++
			}
		}
		return nil
	})
	return n, err
}

func sortByNumberDesc(list []engine.Incident) {
	slices.SortFunc(list, func(a, b engine.Incident) int { return cmp.Compare(b.Number, a.Number) })
}
