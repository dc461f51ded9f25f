package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

// escalate runs an incident's escalation timer: it pages the people on call
// for the current step (skipping steps that reach nobody) and schedules the
// next step, or records that the policy is exhausted. The step's pages due
// now come back claimed, to be sent at once.
func (e *Engine) escalate(ctx context.Context, t Timer, inc *Incident) (Claimed, error) {
	now := e.clock.Now()
	if !current(inc, &t) {
		return Claimed{}, e.store.Complete(ctx, now, Completion{Timer: t})
	}
	c := e.planEscalation(e.rosters.Load(), inc, t, now)
	next, err := e.store.CompleteAndClaim(ctx, now, c, e.lease)
	if err != nil {
		return Claimed{}, fmt.Errorf("escalate %s: %w", inc.Key, err)
	}
	e.metrics.observeEscalation(c)
	return next, nil
}

// ackTimedOut runs an acknowledged incident's ack timeout: its owner has
// not resolved it in time, so it is triggered again and escalates from the
// first step, whose timer comes back claimed. An incident resolved or
// escalated since is left alone.
func (e *Engine) ackTimedOut(ctx context.Context, t Timer, _ *Incident) (Claimed, error) {
	now := e.clock.Now()
	next, err := e.store.CompleteAndClaim(ctx, now, Completion{Timer: t, Retrigger: true,
		Entries: []Entry{{At: now, Kind: EntryEscalated,
			Detail: "acknowledged but not resolved within the ack timeout: triggered again from the first step"}}}, e.lease)
	if err == nil {
		e.metrics.Escalations.Inc()
	}
	return next, err
}

// planEscalation decides what an escalation timer does: a pure function of
// the incident, the rosters and the time.
func (e *Engine) planEscalation(rs *rosters.Set, inc *Incident, t Timer, now time.Time) Completion {
	c := Completion{Timer: t, Fenced: true}
	policy, ok := rs.Policy(inc.Policy)
	steps := stepsFor(policy, inc.Priority)
	if !ok || len(steps) == 0 {
		c.Entries = append(c.Entries, Entry{At: now, Kind: EntryUnreachable,
			Detail: fmt.Sprintf("service %q has no escalation policy with a step for %s", inc.Service, inc.Priority)})
		return c
	}
	pos := Position{Round: t.Round, Step: t.Step}
	for range steps {
		if pos.Step >= len(steps) {
			c.Entries = append(c.Entries, Entry{At: now, Kind: EntryExhausted,
				Detail: fmt.Sprintf("escalation exhausted: policy %s ran %d time(s) without an acknowledgement", policy.Name, pos.Round+1)})
			c.Position = &pos
			return c
		}
		step := steps[pos.Step]
		people := e.onCall(rs, step.Targets, now)
		if len(people) > 0 {
			e.pageStep(&c, inc, pos, people, now)
			next := nextPosition(pos, len(steps), policy.Repeat)
			c.Position = &next
			c.Timers = append(c.Timers, Timer{ID: EscalationTimerID(inc.Key), Kind: TimerEscalate,
				Incident: inc.Key, Gen: inc.Gen, Due: now.Add(step.EscalateAfter), Round: next.Round, Step: next.Step})
			return c
		}
		c.Entries = append(c.Entries, Entry{At: now, Kind: EntryStepSkipped,
			Detail: fmt.Sprintf("step %d: nobody on call for %s", pos.Step+1, targetList(step.Targets))})
		pos = nextPosition(pos, len(steps), policy.Repeat)
	}
	c.Entries = append(c.Entries, Entry{At: now, Kind: EntryUnreachable,
		Detail: fmt.Sprintf("no step of policy %s reaches anybody", policy.Name)})
	c.Position = &pos
	return c
}

// nextPosition is the step after pos: the next step, the first step of the
// next round, or past the last step once the rounds are spent.
func nextPosition(pos Position, steps, repeat int) Position {
	switch {
	case pos.Step+1 < steps:
		return Position{Round: pos.Round, Step: pos.Step + 1}
	case pos.Round < repeat:
		return Position{Round: pos.Round + 1}
	default:
		return Position{Round: pos.Round, Step: steps}
	}
}

// stepsFor returns the policy's steps that apply to priority p.
func stepsFor(p rosters.Policy, pr Priority) []rosters.Step {
	steps := make([]rosters.Step, 0, len(p.Steps))
	for _, s := range p.Steps {
		if len(s.Priorities) == 0 || slices.Contains(s.Priorities, pr.String()) {
			steps = append(steps, s)
		}
	}
	return steps
}

// onCall returns the distinct people on call for targets at now.
func (e *Engine) onCall(rs *rosters.Set, targets []rosters.Target, now time.Time) []rosters.Person {
	var people []rosters.Person
	for _, t := range targets {
		for _, p := range rs.OnCall(t, now) {
			if !slices.ContainsFunc(people, func(q rosters.Person) bool { return q.ID == p.ID }) {
				people = append(people, p)
			}
		}
	}
	return people
}

// pageStep adds the pages of one step to c: for each person, one page per
// notify rule, each due after its delay. P2 incidents are not phoned.
func (e *Engine) pageStep(c *Completion, inc *Incident, pos Position, people []rosters.Person, now time.Time) {
	names := make([]string, 0, len(people))
	for _, p := range people {
		names = append(names, p.Name)
		for _, rule := range e.rules(p, inc.Priority) {
			ch := Channel(rule.Channel)
			key := PageKey(inc.Key, inc.Gen, pos.Round, pos.Step, p.ID, ch)
			due := now.Add(rule.Delay)
			c.Pages = append(c.Pages, Page{Key: key, Person: p.ID, Channel: ch, Status: PagePending, At: due})
			c.Timers = append(c.Timers, Timer{ID: key, Kind: TimerPage, Incident: inc.Key, Gen: inc.Gen,
				Due: due, Round: pos.Round, Step: pos.Step, Person: p.ID, Channel: ch})
		}
	}
	c.Entries = append(c.Entries, Entry{At: now, Kind: EntryEscalated,
		Detail: fmt.Sprintf("step %d (round %d): paging %s", pos.Step+1, pos.Round+1, strings.Join(names, ", "))})
}

// rules returns the notify rules of person that apply to an incident of
// priority pr: those of channels with a notifier, and no phone calls below
// P1.
func (e *Engine) rules(person rosters.Person, pr Priority) []rosters.NotifyRule {
	out := make([]rosters.NotifyRule, 0, len(person.Notify))
	for _, rule := range person.Notify {
		ch := Channel(rule.Channel)
		if e.notifiers[ch] == nil || (ch == ChannelVoice && pr >= P2) {
			continue
		}
		out = append(out, rule)
	}
	return out
}

func targetList(ts []rosters.Target) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}
