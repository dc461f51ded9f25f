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
	return s.IngestAndClaim(ctx, now, batch, 0, nil)
}

// IngestAndClaim is Ingest, claiming for lease the escalation of each
// incident it opens, in the same script (ingest.lua).
func (s *Store) IngestAndClaim(ctx context.Context, now time.Time, batch []engine.Classified, lease time.Duration, hand func(engine.Claimed)) ([]engine.IngestResult, error) {
	args, err := ingestArgs(now, lease, s.incPrefix, batch)
	if err != nil {
		return nil, err
	}
	v, err := s.run(ctx, scriptIngest, "ingest", args...)
	if err != nil {
		return nil, err
	}
	results, claimed, err := ingestAnswer(v, batch)
	if err != nil {
		return nil, err
	}
	for _, c := range claimed {
		hand(c)
	}
	return results, nil
}

// ingestFields is how many arguments each alert takes (ingest.lua FIELDS).
const ingestFields = 14

func ingestArgs(now time.Time, lease time.Duration, prefix string, batch []engine.Classified) ([]any, error) {
	args := make([]any, 0, 8+len(batch)*ingestFields)
	args = append(args, formatTime(now), nowScore(now), dueScore(now), prefix)
	args = appendLease(args, now, lease)
	args = append(args, len(batch))
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

// ingestAnswer reads ingest.lua's answer: three strings per alert, then a
// snapshot and a timer per claimed escalation.
func ingestAnswer(v any, batch []engine.Classified) ([]engine.IngestResult, []engine.Claimed, error) {
	items, ok := v.([]any)
	if !ok && len(batch) > 0 || len(items) < 3*len(batch) || (len(items)-3*len(batch))%2 != 0 {
		return nil, nil, fmt.Errorf("ingest: unexpected answer %T of %d items", v, len(items))
	}
	out := make([]engine.IngestResult, len(batch))
	for i := range batch {
		outcome, _ := items[3*i].(string)
		incident, _ := items[3*i+1].(string)
		prio, _ := items[3*i+2].(string)
		p, err := engine.ParsePriority(prio)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: alert %d: %w", i, err)
		}
		out[i] = engine.IngestResult{AlertID: batch[i].ID(), Outcome: engine.Outcome(outcome), Incident: incident, Priority: p}
	}
	var claimed []engine.Claimed
	for rest := items[3*len(batch):]; len(rest) > 0; rest = rest[2:] {
		js, _ := rest[1].(string)
		t, err := decodeTimer(js)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: claimed escalation: %w", err)
		}
		c, err := decodeClaimed(t.Incident, rest[0], rest[1:2])
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: %w", err)
		}
		claimed = append(claimed, c)
	}
	return out, claimed, nil
}
