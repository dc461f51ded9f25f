package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// alertState is what the store made of an alert, as ingest.lua keeps it
// beside the alert as last received: the fields of engine.AlertRecord that
// transitions change.
type alertState struct {
	Incident  string             `json:"incident"`
	Count     int64              `json:"count,string"`
	FirstSeen time.Time          `json:"first_seen"`
	LastSeen  time.Time          `json:"last_seen"`
	Status    engine.AlertStatus `json:"status"`
	EndsAt    time.Time          `json:"ends_at"`
}

// decodeAlert builds an alert record from the alert as last received and
// what the store made of it.
func decodeAlert(body, state string) (engine.AlertRecord, error) {
	var rec engine.AlertRecord
	if err := jsonrecord.Unmarshal([]byte(body), &rec.Classified); err != nil {
		return rec, fmt.Errorf("decode alert: %w", err)
	}
	var st alertState
	if err := jsonrecord.Unmarshal([]byte(state), &st); err != nil {
		return rec, fmt.Errorf("decode alert %s state: %w", rec.ID(), err)
	}
	rec.Incident, rec.Count, rec.FirstSeen, rec.LastSeen = st.Incident, st.Count, st.FirstSeen, st.LastSeen
	rec.Status, rec.EndsAt = st.Status, st.EndsAt
	return rec, nil
}

// Alert returns one alert record (read_alert.lua), with the duplicates
// counted in memory.
func (s *Store) Alert(ctx context.Context, id string) (engine.AlertRecord, error) {
	s.dups.flushing.RLock()
	defer s.dups.flushing.RUnlock()
	v, err := s.run(ctx, scriptReadAlert, "read alert "+id, id)
	if err != nil {
		return engine.AlertRecord{}, err
	}
	parts, _ := v.([]any)
	if len(parts) == 0 {
		return engine.AlertRecord{}, fmt.Errorf("alert %s: %w", id, engine.ErrNotFound)
	}
	body, _ := parts[0].(string)
	state, _ := parts[1].(string)
	rec, err := decodeAlert(body, state)
	if err != nil {
		return engine.AlertRecord{}, err
	}
	s.dups.addTo(&rec)
	return rec, nil
}

// Events lists alerts recorded as events, most recently seen first (to the
// millisecond), a page at a time (list_alerts.lua), once the duplicates
// counted in memory are in Redis's index of when each was last seen.
func (s *Store) Events(ctx context.Context, f engine.EventFilter) ([]engine.AlertRecord, error) {
	if err := s.FlushCounts(ctx); err != nil {
		return nil, err
	}
	var out []engine.AlertRecord
	top, lowest := "+inf", "-inf"
	if !f.Since.IsZero() {
		lowest = strconv.FormatInt(nowScore(f.Since), 10)
	}
	seen := map[string]bool{}
	for skip := 0; ; skip += listPage {
		page, walked, highest, err := s.alertPage(ctx, top, lowest, skip)
		if err != nil {
			return nil, err
		}
		if skip == 0 && highest != "" {
			top = highest // later pages count from where the first began
		}
		for i := range page {
			if a := &page[i]; !seen[a.ID()] && f.Match(a) {
				seen[a.ID()] = true
				out = append(out, *a)
			}
		}
		if (f.Limit > 0 && len(out) >= f.Limit) || walked < listPage {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b engine.AlertRecord) int { return b.LastSeen.Compare(a.LastSeen) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// alertPage walks one page of the alerts in no incident.
func (s *Store) alertPage(ctx context.Context, top, lowest string, skip int) (page []engine.AlertRecord, walked int64, highest string, err error) {
	v, err := s.run(ctx, scriptListAlerts, "list events", top, lowest, skip, listPage)
	if err != nil {
		return nil, 0, "", err
	}
	answer, _ := v.([]any)
	if len(answer) < 2 {
		return nil, 0, "", fmt.Errorf("list events: unexpected answer %T", v)
	}
	walked, _ = answer[0].(int64)
	highest, _ = answer[1].(string)
	for _, item := range answer[2:] {
		triple, _ := item.([]any)
		if len(triple) != 3 {
			return nil, 0, "", fmt.Errorf("list events: unexpected item %T", item)
		}
		body, _ := triple[1].(string)
		state, _ := triple[2].(string)
		rec, err := decodeAlert(body, state)
		if err != nil {
			return nil, 0, "", fmt.Errorf("list events: %w", err)
		}
		page = append(page, rec)
	}
	return page, walked, highest, nil
}

// Purge removes up to max resolved incidents resolved before before, with
// their alerts, and alerts in no incident last seen before before
// (purge.lua). Times count to the millisecond: what happened in the same
// millisecond as before is kept.
func (s *Store) Purge(ctx context.Context, before time.Time, max int) (int, error) {
	if max <= 0 {
		return 0, nil
	}
	if err := s.FlushCounts(ctx); err != nil { // last-seen times decide
		return 0, err
	}
	v, err := s.run(ctx, scriptPurge, "purge", nowScore(before), max)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("purge: unexpected answer %T", v)
	}
	return int(n), nil
}
