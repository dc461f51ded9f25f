package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/klaxonhq/klaxon/rosters"
)

// Answers to responders: deliberate, short texts, never internal errors.
const (
	answerNotAuthorised = "Not authorised"
	answerUnavailable   = "Klaxon cannot act on that right now; try again in a minute"
)

// HandleCommand acts on a command from the person whose phone number is
// from, received on ch, and returns the answer to send back. A number that
// belongs to nobody, or a person not responding to the incident, changes
// nothing.
func (e *Engine) HandleCommand(ctx context.Context, from string, ch Channel, cmd Command) string {
	rs := e.rosters.Load()
	person, ok := rs.PersonByPhone(from)
	if !ok {
		e.log.Info("command from an unknown number", "number", maskPhone(from), "verb", cmd.Verb)
		return answerNotAuthorised
	}
	key, answer := e.commandTarget(ctx, person, cmd)
	if answer != "" {
		return answer
	}
	return e.Act(ctx, key, Actor{ID: person.ID, Name: person.Name, Channel: ch}, cmd.Verb)
}

// commandTarget finds the incident a command is about; it returns an answer
// instead when there is none.
func (e *Engine) commandTarget(ctx context.Context, person rosters.Person, cmd Command) (string, string) {
	if cmd.Number > 0 {
		return e.IncidentKey(cmd.Number), ""
	}
	key, err := e.store.LastPaged(ctx, person.ID)
	switch {
	case err != nil:
		e.log.Warn("finding the latest page", "person", person.ID, "err", err)
		return "", answerUnavailable
	case key == "":
		return "", "You have not been paged for any incident"
	}
	return key, ""
}

// Act applies verb to the incident key on behalf of by, after checking that
// by responds to it, and returns the answer for by.
func (e *Engine) Act(ctx context.Context, key string, by Actor, verb Verb) string {
	inc, err := e.store.Incident(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Sprintf("%s is not an incident", key)
	case err != nil:
		e.log.Warn("loading incident for a command", "incident", key, "err", err)
		return answerUnavailable
	case !e.responds(&inc, by.ID):
		e.log.Info("command from a person not responding", "incident", key, "person", by.ID)
		return answerNotAuthorised
	}
	switch verb {
	case VerbAck:
		return e.answer(e.acknowledge(ctx, key, by))
	case VerbResolve:
		return e.answer(e.resolve(ctx, key, by))
	}
	return fmt.Sprintf("%s: %s is not available yet", key, verb)
}

func (e *Engine) acknowledge(ctx context.Context, key string, by Actor) (Incident, string, error) {
	inc, err := e.store.Acknowledge(ctx, e.clock.Now(), key, by)
	if err == nil {
		e.metrics.Acks.WithLabelValues(string(by.Channel)).Inc()
		e.log.Info("incident acknowledged", "incident", key, "by", by.ID, "channel", by.Channel)
	}
	return inc, fmt.Sprintf("%s acknowledged by %s", key, by.Name), err
}

func (e *Engine) resolve(ctx context.Context, key string, by Actor) (Incident, string, error) {
	inc, err := e.store.Resolve(ctx, e.clock.Now(), key, by)
	if err == nil {
		e.Wake()
		e.log.Info("incident resolved", "incident", key, "by", by.ID, "channel", by.Channel)
	}
	return inc, fmt.Sprintf("%s resolved by %s", key, by.Name), err
}

// answer turns a transition's result into the text for the responder.
func (e *Engine) answer(inc Incident, ok string, err error) string {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, ErrWrongState) && inc.State == StateResolved:
		return fmt.Sprintf("%s is already resolved", inc.Key)
	case errors.Is(err, ErrWrongState) && inc.State == StateAcknowledged:
		return fmt.Sprintf("%s is already acknowledged by %s", inc.Key, e.personName(inc.Owner))
	}
	e.log.Warn("acting on an incident", "incident", inc.Key, "err", err)
	return answerUnavailable
}

// responds reports whether person responds to inc: they were paged for it,
// or are a target of its policy now.
func (e *Engine) responds(inc *Incident, person string) bool {
	if slices.ContainsFunc(inc.Pages, func(p Page) bool { return p.Person == person }) {
		return true
	}
	rs := e.rosters.Load()
	policy, ok := rs.Policy(inc.Policy)
	if !ok {
		return false
	}
	now := e.clock.Now()
	for _, step := range policy.Steps {
		for _, p := range e.onCall(rs, step.Targets, now) {
			if p.ID == person {
				return true
			}
		}
	}
	return false
}

func (e *Engine) personName(id string) string {
	if p, ok := e.rosters.Load().Person(id); ok {
		return p.Name
	}
	return id
}

// maskPhone keeps the last four digits of a phone number for logs.
func maskPhone(n string) string {
	if len(n) <= 4 {
		return "****"
	}
	return "***" + n[len(n)-4:]
}
