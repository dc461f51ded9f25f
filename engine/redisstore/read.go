package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/klaxonhq/klaxon/engine"
)

// Incident returns one incident (read_incident.lua).
func (s *Store) Incident(ctx context.Context, key string) (engine.Incident, error) {
	v, err := s.run(ctx, scriptReadIncident, "read incident "+key, key)
	if err != nil {
		return engine.Incident{}, err
	}
	inc, ok, err := decodeIncident(key, v)
	if err != nil {
		return engine.Incident{}, err
	}
	if !ok {
		return engine.Incident{}, fmt.Errorf("incident %s: %w", key, engine.ErrNotFound)
	}
	return inc, nil
}

// listPage is how many incidents one list_incidents.lua call walks.
const listPage = 100

// Incidents lists incidents, newest first, a page at a time
// (list_incidents.lua): each page is consistent, the list as a whole is not
// one snapshot.
func (s *Store) Incidents(ctx context.Context, f engine.IncidentFilter) ([]engine.Incident, error) {
	index := "all"
	if f.Open || f.State == engine.StateTriggered || f.State == engine.StateAcknowledged {
		index = "open"
	}
	out := []engine.Incident{}
	from := "+inf"
	if f.Before > 0 {
		from = "(" + strconv.FormatInt(f.Before, 10)
	}
	for {
		page, walked, lowest, err := s.listPage(ctx, index, from, string(f.State))
		if err != nil {
			return nil, err
		}
		for i := range page {
			if f.Match(&page[i]) {
				out = append(out, page[i])
			}
		}
		if f.Limit > 0 && len(out) >= f.Limit {
			return out[:f.Limit], nil
		}
		if walked < listPage {
			return out, nil
		}
		from = "(" + lowest
	}
}

// listPage walks one page of an index from a score down.
func (s *Store) listPage(ctx context.Context, index, from, state string) (page []engine.Incident, walked int64, lowest string, err error) {
	v, err := s.run(ctx, scriptListIncidents, "list incidents", index, from, listPage, state)
	if err != nil {
		return nil, 0, "", err
	}
	answer, _ := v.([]any)
	if len(answer) < 2 {
		return nil, 0, "", fmt.Errorf("list incidents: unexpected answer %T", v)
	}
	walked, _ = answer[0].(int64)
	lowest, _ = answer[1].(string)
	for _, item := range answer[2:] {
		pair, _ := item.([]any)
		if len(pair) != 2 {
			return nil, 0, "", fmt.Errorf("list incidents: unexpected item %T", item)
		}
		key, _ := pair[0].(string)
		inc, _, err := decodeIncident(key, pair[1])
		if err != nil {
			return nil, 0, "", fmt.Errorf("list incidents: %w", err)
		}
		page = append(page, inc)
	}
	return page, walked, lowest, nil
}

// LastPaged returns the key of the incident most recently paged to person.
func (s *Store) LastPaged(ctx context.Context, person string) (string, error) {
	key, err := s.rdb.HGet(ctx, s.keys.lastPaged(), person).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", wrap("last paged "+person, err)
	}
	return key, nil
}

// Sync does nothing: a script's changes are durable (with appendfsync
// always) when Redis answers it.
func (s *Store) Sync(ctx context.Context) error { return nil }

// OpenCounts counts open incidents by priority: counters in the meta hash
// that the open and resolve scripts keep.
func (s *Store) OpenCounts(ctx context.Context) (map[engine.Priority]int, error) {
	fields, err := s.rdb.HGetAll(ctx, s.keys.meta()).Result()
	if err != nil {
		return nil, wrap("open counts", err)
	}
	counts := map[engine.Priority]int{}
	for f, v := range fields {
		name, ok := strings.CutPrefix(f, openCountField)
		if !ok {
			continue
		}
		p, err := engine.ParsePriority(name)
		n, err2 := strconv.Atoi(v)
		if err == nil && err2 == nil && n > 0 {
			counts[p] = n
		}
	}
	return counts, nil
}

// openCountField prefixes the meta hash fields counting open incidents
// by priority ("open:P1").
const openCountField = "open:"

// NextDue returns when the earliest timer can next be claimed
// (next_due.lua), to the microsecond.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	v, err := s.run(ctx, scriptNextDue, "next due timer")
	if err != nil || v == nil {
		return time.Time{}, false, err
	}
	str, _ := v.(string)
	next, err := scoreTime(str)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due timer: score %q: %w", str, err)
	}
	return next, true, nil
}
