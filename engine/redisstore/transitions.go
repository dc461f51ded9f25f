package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
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
	b, err := jsonrecord.Marshal(e)
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
	answer, status := statusAnswer(v)
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

// statusAnswer reads a script's answer that starts with a status word:
// the whole answer, and the status ("" when there is none).
func statusAnswer(v any) (answer []any, status string) {
	answer, _ = v.([]any)
	if len(answer) > 0 {
		status, _ = answer[0].(string)
	}
	return answer, status
}

// ClaimDue claims up to max due timers for lease (claim_due.lua), visiting
// the shards from a different one on each call so that replicas spread out.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]engine.Claimed, error) {
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
	lists, _ := v.([]any)
	out := make([]engine.Claimed, len(lists))
	for i, l := range lists {
		if out[i], err = decodeClaimedOf(l); err != nil {
			return nil, fmt.Errorf("claim due timers: %w", err)
		}
	}
	return out, nil
}

// decodeClaimedOf reads one incident's list in claim_due.lua's answer: its
// key, its snapshot, then its timers.
func decodeClaimedOf(list any) (engine.Claimed, error) {
	items, _ := list.([]any)
	if len(items) < 3 {
		return engine.Claimed{}, fmt.Errorf("unexpected answer %v", list)
	}
	key, _ := items[0].(string)
	return decodeClaimed(key, items[1], items[2:])
}

// Complete finishes a claimed timer, or takes a report from outside, and
// applies what was decided (complete.lua).
func (s *Store) Complete(ctx context.Context, now time.Time, cp engine.Completion) error {
	_, err := s.CompleteAndClaim(ctx, now, cp, 0)
	return err
}

// CompleteAndClaim is Complete, claiming for lease the timers the
// completion makes due at now, in the same script (complete.lua).
func (s *Store) CompleteAndClaim(ctx context.Context, now time.Time, cp engine.Completion, lease time.Duration) (engine.Claimed, error) {
	args, err := completeArgs(now, &cp, lease)
	if err != nil {
		return engine.Claimed{}, err
	}
	op := "complete " + cmp.Or(cp.Timer.ID, cp.Incident)
	v, err := s.run(ctx, scriptComplete, op, args...)
	if err != nil {
		return engine.Claimed{}, err
	}
	answer, status := statusAnswer(v)
	switch {
	case status == "ok" && len(answer) == 1:
		return engine.Claimed{}, nil
	case status == "ok":
		claimed, err := decodeClaimed(completionKey(&cp), answer[1], answer[2:])
		if err != nil {
			return engine.Claimed{}, fmt.Errorf("%s: %w", op, err)
		}
		return claimed, nil
	case status == "lease_lost":
		return engine.Claimed{}, fmt.Errorf("complete %s: lease lost: %w", cp.Timer.ID, engine.ErrStale)
	case status == "moved_on":
		return engine.Claimed{}, fmt.Errorf("complete %s: incident moved on: %w", cp.Timer.ID, engine.ErrStale)
	}
	return engine.Claimed{}, fmt.Errorf("%s: unexpected answer %v", op, v)
}

// decodeClaimed reads what complete.lua claimed: the snapshot of incident
// key and the timers.
func decodeClaimed(key string, snap any, timers []any) (engine.Claimed, error) {
	inc, ok, err := decodeIncident(key, snap)
	if err != nil {
		return engine.Claimed{}, err
	}
	out := engine.Claimed{}
	if out.Timers, err = decodeTimers(timers); err != nil {
		return engine.Claimed{}, err
	}
	if ok {
		out.Incident = &inc
	}
	return out, nil
}

// decodeTimers decodes the timers a script answered as JSON; none is nil.
func decodeTimers(items []any) ([]engine.Timer, error) {
	if len(items) == 0 {
		return nil, nil
	}
	out := make([]engine.Timer, len(items))
	for i, item := range items {
		js, _ := item.(string)
		var err error
		if out[i], err = decodeTimer(js); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// completeArgs lays out a completion as complete.lua reads it, with the
// lease of its claims (none when lease <= 0).
func completeArgs(now time.Time, cp *engine.Completion, lease time.Duration) ([]any, error) {
	t := &cp.Timer
	args := []any{t.ID, t.Lease, completionKey(cp), t.Gen, flag(cp.Fenced), flag(cp.Retrigger),
		formatTime(cp.RetryAt), dueScore(cp.RetryAt), formatTime(now), dueScore(now)}
	args, err := appendPosition(appendLease(args, now, lease), cp)
	if err != nil {
		return nil, fmt.Errorf("complete %s: %w", t.ID, err)
	}
	args = append(args, len(cp.Pages))
	for _, p := range cp.Pages {
		b, err := jsonrecord.Marshal(p)
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

// appendLease adds the lease of a script's claims to args: its end as a
// time and as a due score, and a random token base; with lease <= 0, an
// empty end, which claims nothing.
func appendLease(args []any, now time.Time, lease time.Duration) []any {
	if lease <= 0 {
		return append(args, "", 0, "")
	}
	until := now.Add(lease)
	return append(args, formatTime(until), dueScore(until), rand.Text())
}

// appendPosition adds a completion's escalation position ('1' to set it,
// round, step) and its timeline entries (their number, then each as JSON),
// as complete.lua and ingest.lua read them.
func appendPosition(args []any, cp *engine.Completion) ([]any, error) {
	if p := cp.Position; p != nil {
		args = append(args, "1", p.Round, p.Step)
	} else {
		args = append(args, "0", 0, 0)
	}
	args = append(args, len(cp.Entries))
	for _, e := range cp.Entries {
		b, err := jsonrecord.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode entry: %w", err)
		}
		args = append(args, b)
	}
	return args, nil
}

// completionKey is the key of the incident a completion applies to.
func completionKey(cp *engine.Completion) string {
	if cp.Timer.ID != "" {
		return cp.Timer.Incident
	}
	return cp.Incident
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
