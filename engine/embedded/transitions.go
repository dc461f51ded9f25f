package embedded

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// Acknowledge moves a triggered incident to acknowledged.
func (s *Store) Acknowledge(ctx context.Context, now time.Time, key string, by engine.Actor, ackTimeout time.Duration) (engine.Incident, error) {
	return s.transition(key, func(c *change, inc *engine.Incident) error {
		if inc.State != engine.StateTriggered {
			return engine.ErrWrongState
		}
		inc.State, inc.Owner = engine.StateAcknowledged, by.ID
		if inc.AckedAt.IsZero() {
			inc.AckedAt = now
		}
		inc.Gen++
		inc.Timeline = append(inc.Timeline, engine.Entry{At: now, Kind: engine.EntryAcknowledged, Actor: by.ID,
			Detail: fmt.Sprintf("acknowledged by %s%s", by.Name, via(by))})
		c.removeTimer(engine.EscalationTimerID(key))
		if ackTimeout > 0 {
			c.putTimer(engine.Timer{ID: engine.EscalationTimerID(key), Kind: engine.TimerAckTimeout,
				Incident: key, Gen: inc.Gen, Due: now.Add(ackTimeout)})
		}
		return nil
	})
}

// Escalate runs the incident's next step at once.
func (s *Store) Escalate(ctx context.Context, now time.Time, key string, by engine.Actor) (engine.Incident, error) {
	return s.transition(key, func(c *change, inc *engine.Incident) error {
		switch inc.State {
		case engine.StateResolved:
			return engine.ErrWrongState
		case engine.StateAcknowledged:
			inc.State = engine.StateTriggered
			inc.Gen++
		}
		inc.Timeline = append(inc.Timeline, engine.Entry{At: now, Kind: engine.EntryEscalated, Actor: by.ID,
			Detail: fmt.Sprintf("escalated by %s%s", by.Name, via(by))})
		c.putTimer(engine.Timer{ID: engine.EscalationTimerID(key), Kind: engine.TimerEscalate, Incident: key,
			Gen: inc.Gen, Due: now, Round: inc.Round, Step: inc.Step})
		return nil
	})
}

// AddNote appends a note to an incident's timeline.
func (s *Store) AddNote(ctx context.Context, key string, note engine.Entry) (engine.Incident, error) {
	return s.transition(key, func(c *change, inc *engine.Incident) error {
		inc.Timeline = append(inc.Timeline, note)
		return nil
	})
}

// Resolve moves an open incident to resolved.
func (s *Store) Resolve(ctx context.Context, now time.Time, key string, by engine.Actor) (engine.Incident, error) {
	return s.transition(key, func(c *change, inc *engine.Incident) error {
		if !inc.Open() {
			return engine.ErrWrongState
		}
		c.resolve(now, inc, by, fmt.Sprintf("resolved by %s%s", by.Name, via(by)))
		return nil
	})
}

func via(by engine.Actor) string {
	if by.Channel == "" {
		return ""
	}
	return " (" + string(by.Channel) + ")"
}

// transition applies f to one incident and commits. When f refuses, nothing
// changes and the incident is returned as it was with f's error.
func (s *Store) transition(key string, f func(*change, *engine.Incident) error) (engine.Incident, error) {
	var out engine.Incident
	err := s.update(func(c *change) error {
		c.mustWait = true
		inc := c.incident(key)
		if inc == nil {
			return fmt.Errorf("incident %s: %w", key, engine.ErrNotFound)
		}
		if err := f(c, inc); err != nil {
			out = readOnly(s.incidents[key])
			c.discard()
			return err
		}
		out = readOnly(inc)
		return nil
	})
	if err != nil && !errors.Is(err, engine.ErrWrongState) {
		return engine.Incident{}, err
	}
	return out, err
}

// ClaimDue claims up to max due timers for lease, by incident, each with a
// copy of its incident.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]engine.Claimed, error) {
	var out []engine.Claimed
	err := s.update(func(c *change) error {
		of := map[string]int{} // incident key -> its claims in out
		for _, t := range s.timers.due(now, max) {
			i, ok := of[t.Incident]
			if !ok {
				i, of[t.Incident] = len(out), len(out)
				out = append(out, engine.Claimed{Incident: c.snapshot(t.Incident)})
			}
			out[i].Timers = append(out[i].Timers, c.claim(t, now, lease))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// snapshot returns a copy of an incident as the change sees it, for the
// caller to keep; nil when there is none.
func (c *change) snapshot(key string) *engine.Incident {
	inc := c.peekIncident(key)
	if inc == nil {
		return nil
	}
	snap := readOnly(inc)
	return &snap
}

// claim leases t until now+lease and counts the claim.
func (c *change) claim(t *engine.Timer, now time.Time, lease time.Duration) engine.Timer {
	claimed := *t
	claimed.Lease, claimed.LeaseUntil = rand.Text(), now.Add(lease)
	claimed.Claims++
	c.putTimer(claimed)
	return claimed
}

// Complete finishes a claimed timer, or applies a completion without one.
func (s *Store) Complete(ctx context.Context, now time.Time, cp engine.Completion) error {
	_, err := s.CompleteAndClaim(ctx, now, cp, 0)
	return err
}

// CompleteAndClaim is Complete, claiming for lease the timers the
// completion makes due at now.
func (s *Store) CompleteAndClaim(ctx context.Context, now time.Time, cp engine.Completion, lease time.Duration) (engine.Claimed, error) {
	var out engine.Claimed
	err := s.update(func(c *change) error {
		key := cp.Incident
		if cp.Timer.ID != "" {
			if err := c.finish(&cp); err != nil {
				return err
			}
			key = cp.Timer.Incident
		}
		inc := c.incident(key)
		if inc != nil && !fenceHolds(inc, &cp) {
			return fmt.Errorf("complete %s: incident moved on: %w", cp.Timer.ID, engine.ErrStale)
		}
		var made []string
		if inc != nil && cp.Retrigger {
			made = append(made, c.retrigger(now, inc))
		}
		if inc != nil {
			made = append(made, c.apply(now, inc, &cp)...)
		}
		if lease > 0 {
			out.Timers = c.claimMade(made, now, lease)
		}
		if len(out.Timers) > 0 {
			out.Incident = c.snapshot(key)
		}
		return nil
	})
	if err != nil {
		return engine.Claimed{}, err
	}
	return out, nil
}

// claimMade claims, for lease, the timers of ids that are due at now and
// not claimed, each once.
func (c *change) claimMade(ids []string, now time.Time, lease time.Duration) []engine.Timer {
	var out []engine.Timer
	for _, id := range ids {
		if t := c.timer(id); t != nil && t.Lease == "" && !t.Due.After(now) {
			out = append(out, c.claim(t, now, lease))
		}
	}
	return out
}

// fenceHolds reports whether a fenced completion still applies to inc.
func fenceHolds(inc *engine.Incident, cp *engine.Completion) bool {
	switch {
	case cp.Fenced:
		return inc.State == engine.StateTriggered && inc.Gen == cp.Timer.Gen
	case cp.Retrigger:
		return inc.State == engine.StateAcknowledged && inc.Gen == cp.Timer.Gen
	}
	return true
}

// retrigger moves an acknowledged incident back to triggered, escalating
// from the first step now, and returns the escalation timer's ID.
func (c *change) retrigger(now time.Time, inc *engine.Incident) string {
	inc.State = engine.StateTriggered
	inc.Gen++
	inc.Round, inc.Step = 0, 0
	id := engine.EscalationTimerID(inc.Key)
	c.putTimer(engine.Timer{ID: id, Kind: engine.TimerEscalate, Incident: inc.Key, Gen: inc.Gen, Due: now})
	return id
}

// finish removes or reschedules the completed timer, after checking that
// the caller still holds its lease.
func (c *change) finish(cp *engine.Completion) error {
	t := c.timer(cp.Timer.ID)
	if t == nil || t.Lease != cp.Timer.Lease {
		return fmt.Errorf("complete %s: lease lost: %w", cp.Timer.ID, engine.ErrStale)
	}
	if cp.RetryAt.IsZero() {
		c.removeTimer(t.ID)
		return nil
	}
	retry := *t
	retry.Due, retry.Lease, retry.LeaseUntil, retry.Claims = cp.RetryAt, "", time.Time{}, 0
	retry.Attempt++
	c.putTimer(retry)
	return nil
}

// apply records what a completed timer decided on its incident, and returns
// the IDs of the timers it created and of those DueNow names.
func (c *change) apply(now time.Time, inc *engine.Incident, cp *engine.Completion) []string {
	recorded := map[string]bool{}
	for _, p := range inc.Pages {
		recorded[p.Key] = true
	}
	if cp.Position != nil {
		inc.Round, inc.Step = cp.Position.Round, cp.Position.Step
	}
	inc.Timeline = append(inc.Timeline, cp.Entries...)
	for _, p := range cp.Pages {
		c.recordPage(inc, p, recorded[p.Key])
	}
	var made []string
	for _, t := range cp.Timers {
		if (t.Kind == engine.TimerPage && recorded[t.ID]) || c.timer(t.ID) != nil {
			continue
		}
		c.putTimer(t)
		made = append(made, t.ID)
	}
	for _, id := range cp.DueNow {
		if t := c.timer(id); t != nil && t.Lease == "" && t.Due.After(now) {
			moved := *t
			moved.Due = now
			c.putTimer(moved)
		}
	}
	return append(made, cp.DueNow...)
}

// recordPage adds or updates a page on inc. A new pending page whose key is
// already recorded is left out: that page exists.
func (c *change) recordPage(inc *engine.Incident, p engine.Page, exists bool) {
	if p.Status == engine.PageSent {
		c.lastPaged[p.Person] = inc.Key
	}
	for i := range inc.Pages {
		if inc.Pages[i].Key == p.Key {
			if p.Status != engine.PagePending {
				inc.Pages[i] = p
			}
			return
		}
	}
	if !exists {
		inc.Pages = append(inc.Pages, p)
	}
}
