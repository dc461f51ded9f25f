package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/klaxonhq/klaxon/engine"
)

// Acknowledge moves a triggered incident to acknowledged, with an
// ack-timeout timer when ackTimeout > 0 (acknowledge.lua).
func (s *Store) Acknowledge(ctx context.Context, now time.Time, key string, by engine.Actor, ackTimeout time.Duration) (engine.Incident, error) {
	line, err := encodeEntry(engine.Entry{At: now, Kind: engine.EntryAcknowledged, Actor: by.ID,
		Detail: fmt.Sprintf("acknowledged by %s%s", by.Name, via(by))})
	if err != nil {
		return engine.Incident{}, fmt.Errorf("acknowledge %s: %w", key, err)
	}
	var timeout time.Time
	if ackTimeout > 0 {
		timeout = now.Add(ackTimeout)
	}
	return s.transition(ctx, scriptAcknowledge, "acknowledge", key,
		key, formatTime(now), by.ID, line, formatTime(timeout), dueScore(timeout))
}

// Resolve moves an open incident to resolved (resolve.lua).
func (s *Store) Resolve(ctx context.Context, now time.Time, key string, by engine.Actor) (engine.Incident, error) {
	detail := fmt.Sprintf("resolved by %s%s", by.Name, via(by))
	return s.transition(ctx, scriptResolve, "resolve", key,
		key, formatTime(now), nowScore(now), dueScore(now), by.ID, by.Name, detail)
}

// Escalate runs the incident's next escalation step now (escalate.lua).
func (s *Store) Escalate(ctx context.Context, now time.Time, key string, by engine.Actor) (engine.Incident, error) {
	line, err := encodeEntry(engine.Entry{At: now, Kind: engine.EntryEscalated, Actor: by.ID,
		Detail: fmt.Sprintf("escalated by %s%s", by.Name, via(by))})
	if err != nil {
		return engine.Incident{}, fmt.Errorf("escalate %s: %w", key, err)
	}
	return s.transition(ctx, scriptEscalate, "escalate", key, key, formatTime(now), dueScore(now), line)
}

// AddNote appends a note to an incident's timeline (add_note.lua).
func (s *Store) AddNote(ctx context.Context, key string, note engine.Entry) (engine.Incident, error) {
	line, err := encodeEntry(note)
	if err != nil {
		return engine.Incident{}, fmt.Errorf("add note to %s: %w", key, err)
	}
	return s.transition(ctx, scriptAddNote, "add note", key, key, line)
}

func encodeEntry(e engine.Entry) (string, error) {
	b, err := json.Marshal(e)
	return string(b), err
}

func via(by engine.Actor) string {
	if by.Channel == "" {
		return ""
	}
	return " (" + string(by.Channel) + ")"
}

// transition runs a script answering {status, snapshot} about one incident.
func (s *Store) transition(ctx context.Context, script *redis.Script, op, key string, args ...any) (engine.Incident, error) {
	v, err := s.run(ctx, script, op+" "+key, args...)
	if err != nil {
		return engine.Incident{}, err
	}
	answer, _ := v.([]any)
	status := ""
	if len(answer) > 0 {
		status, _ = answer[0].(string)
	}
	switch {
	case status == "not_found":
		return engine.Incident{}, fmt.Errorf("incident %s: %w", key, engine.ErrNotFound)
	case len(answer) != 2 || status != "ok" && status != "wrong_state":
		return engine.Incident{}, fmt.Errorf("%s %s: unexpected answer %v", op, key, v)
	}
	inc, _, err := decodeIncident(key, answer[1])
	if err != nil {
		return engine.Incident{}, fmt.Errorf("%s: %w", op, err)
	}
	if status == "wrong_state" {
		return inc, fmt.Errorf("%s %s: %w", op, key, engine.ErrWrongState)
	}
	return inc, nil
}

// ClaimDue claims up to max due timers for lease (claim_due.lua), visiting
// the shards from a different one on each call so that replicas spread out.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]engine.Timer, error) {
	if max <= 0 {
		return nil, nil
	}
	first := s.nextShard.Add(1) % uint64(s.keys.shards)
	until := now.Add(lease)
	v, err := s.run(ctx, scriptClaimDue, "claim due timers",
		dueBound(now), max, first, formatTime(until), dueScore(until), rand.Text())
	if err != nil {
		return nil, err
	}
	items, _ := v.([]any)
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]engine.Timer, len(items))
	for i, item := range items {
		js, _ := item.(string)
		if out[i], err = decodeTimer(js); err != nil {
			return nil, fmt.Errorf("claim due timers: %w", err)
		}
	}
	return out, nil
}

// Complete finishes a claimed timer, or takes a report from outside, and
// applies what was decided (complete.lua).
func (s *Store) Complete(ctx context.Context, now time.Time, cp engine.Completion) error {
	args, err := completeArgs(now, &cp)
	if err != nil {
		return err
	}
	v, err := s.run(ctx, scriptComplete, "complete "+cmp.Or(cp.Timer.ID, cp.Incident), args...)
	if err != nil {
		return err
	}
	switch v {
	case "ok":
		return nil
	case "lease_lost":
		return fmt.Errorf("complete %s: lease lost: %w", cp.Timer.ID, engine.ErrStale)
	case "moved_on":
		return fmt.Errorf("complete %s: incident moved on: %w", cp.Timer.ID, engine.ErrStale)
	}
	return fmt.Errorf("complete %s: unexpected answer %v", cp.Timer.ID, v)
}

// completeArgs lays out a completion as complete.lua reads it.
func completeArgs(now time.Time, cp *engine.Completion) ([]any, error) {
	t := &cp.Timer
	key := cp.Incident
	if t.ID != "" {
		key = t.Incident
	}
	args := []any{t.ID, t.Lease, key, t.Gen, flag(cp.Fenced), flag(cp.Retrigger),
		formatTime(cp.RetryAt), dueScore(cp.RetryAt), formatTime(now), dueScore(now)}
	if p := cp.Position; p != nil {
		args = append(args, "1", p.Round, p.Step)
	} else {
		args = append(args, "0", 0, 0)
	}
	args = append(args, len(cp.Entries))
	for _, e := range cp.Entries {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("complete %s: encode entry: %w", t.ID, err)
		}
		args = append(args, b)
	}
	args = append(args, len(cp.Pages))
	for _, p := range cp.Pages {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("complete %s: encode page %s: %w", t.ID, p.Key, err)
		}
		args = append(args, p.Key, p.Person, string(p.Status), b)
	}
	args = append(args, len(cp.Timers))
	for _, nt := range cp.Timers {
		js, err := encodeTimer(nt)
		if err != nil {
			return nil, fmt.Errorf("complete %s: %w", t.ID, err)
		}
		args = append(args, nt.ID, string(nt.Kind), dueScore(nt.NextRun()), js)
	}
	args = append(args, len(cp.DueNow))
	for _, id := range cp.DueNow {
		args = append(args, id)
	}
	return args, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
