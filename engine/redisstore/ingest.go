package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// Ingest records a batch of classified alerts in one transition (ingest.lua).
func (s *Store) Ingest(ctx context.Context, now time.Time, batch []engine.Classified) ([]engine.IngestResult, error) {
	args, err := ingestArgs(now, s.incPrefix, batch)
	if err != nil {
		return nil, err
	}
	v, err := s.run(ctx, scriptIngest, "ingest", args...)
	if err != nil {
		return nil, err
	}
	return ingestResults(v, batch)
}

// ingestFields is how many arguments each alert takes (ingest.lua FIELDS).
const ingestFields = 14

func ingestArgs(now time.Time, prefix string, batch []engine.Classified) ([]any, error) {
	args := make([]any, 0, 5+len(batch)*ingestFields)
	args = append(args, formatTime(now), nowScore(now), dueScore(now), prefix, len(batch))
	for i := range batch {
		a := &batch[i]
		body, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", a.ID(), err)
		}
		first := a.StartsAt
		if first.IsZero() || first.After(now) {
			first = now
		}
		args = append(args, a.ID(), body, string(a.Status), string(a.Event), a.GroupKey,
			a.Priority.String(), a.Summary, a.Integration, a.Source, a.Service, a.Policy, a.Category,
			formatTime(first), formatTime(a.EndsAt))
	}
	return args, nil
}

// ingestResults reads ingest.lua's answer: three strings per alert.
func ingestResults(v any, batch []engine.Classified) ([]engine.IngestResult, error) {
	items, ok := v.([]any)
	if !ok && len(batch) > 0 || len(items) != 3*len(batch) {
		return nil, fmt.Errorf("ingest: unexpected answer %T of %d items", v, len(items))
	}
	out := make([]engine.IngestResult, len(batch))
	for i := range batch {
		outcome, _ := items[3*i].(string)
		incident, _ := items[3*i+1].(string)
		prio, _ := items[3*i+2].(string)
		p, err := engine.ParsePriority(prio)
		if err != nil {
			return nil, fmt.Errorf("ingest: alert %d: %w", i, err)
		}
		out[i] = engine.IngestResult{AlertID: batch[i].ID(), Outcome: engine.Outcome(outcome), Incident: incident, Priority: p}
	}
	return out, nil
}
