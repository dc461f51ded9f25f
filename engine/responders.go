package engine

import (
	"context"
	"fmt"
	"strings"
)

// TargetError is a responder target that cannot be paged: unknown, or with
// nobody on call.
type TargetError struct{ msg string }

func (e *TargetError) Error() string { return e.msg }

// responderRound is the round of pages to added responders: it marks them
// as outside the escalation policy, sent whatever the incident's state as
// long as it is open.
const responderRound = -1

// AddResponders pages whoever target ("rotation:team/name" or "person:id")
// reaches now for the open incident key, on their notify rules, on behalf
// of by. It returns the incident as it is after.
func (e *Engine) AddResponders(ctx context.Context, key string, by Actor, target string) (Incident, error) {
	rs := e.rosters.Load()
	t, err := rs.ResolveTarget(target)
	if err != nil {
		return Incident{}, &TargetError{msg: err.Error()}
	}
	now := e.clock.Now()
	people := rs.OnCall(t, now)
	if len(people) == 0 {
		return Incident{}, &TargetError{msg: fmt.Sprintf("nobody is on call for %s now", target)}
	}
	inc, err := e.store.Incident(ctx, key)
	if err != nil {
		return inc, err
	}
	if !inc.Open() {
		return inc, ErrWrongState
	}
	c := Completion{Incident: key}
	request := 0
	for _, en := range inc.Timeline {
		if en.Kind == EntryResponders {
			request++
		}
	}
	names := make([]string, 0, len(people))
	for _, p := range people {
		names = append(names, p.Name)
		for _, rule := range e.rules(p, inc.Priority) {
			ch := Channel(rule.Channel)
			pk := PageKey(key, inc.Gen, responderRound, request, p.ID, ch)
			due := now.Add(rule.Delay)
			c.Pages = append(c.Pages, Page{Key: pk, Person: p.ID, Channel: ch, Status: PagePending, At: due})
			c.Timers = append(c.Timers, Timer{ID: pk, Kind: TimerPage, Incident: key, Gen: inc.Gen,
				Due: due, Round: responderRound, Step: request, Person: p.ID, Channel: ch})
		}
	}
	c.Entries = []Entry{{At: now, Kind: EntryResponders, Actor: by.ID,
		Detail: fmt.Sprintf("%s added responders %s: paging %s", by.Name, target, strings.Join(names, ", "))}}
	if err := e.store.Complete(ctx, now, c); err != nil {
		return inc, fmt.Errorf("add responders to %s: %w", key, err)
	}
	e.Wake()
	return e.store.Incident(ctx, key)
}
