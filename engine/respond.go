package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
	person, ok := e.rosters.Load().PersonByPhone(from)
	if !ok {
		e.log.Info("command from an unknown number", "number", maskPhone(from), "verb", cmd.Verb)
		return answerNotAuthorised
	}
	by := Actor{ID: person.ID, Name: person.Name, Channel: ch}
	if cmd.All {
		return e.actOnAll(ctx, by, cmd)
	}
	key, answer := e.commandTarget(ctx, person, cmd)
	if answer != "" {
		return answer
	}
	return e.Act(ctx, key, by, cmd)
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

// Act applies cmd to the incident key on behalf of by, after checking that
// by responds to it, and returns the answer for by.
func (e *Engine) Act(ctx context.Context, key string, by Actor, cmd Command) string {
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
	after, answer, err := e.Apply(ctx, key, by, cmd.Verb, cmd.Text)
	return e.answer(&after, key, answer, err)
}

// actOnAll applies a verb to every open incident by was paged for.
func (e *Engine) actOnAll(ctx context.Context, by Actor, cmd Command) string {
	open, err := e.store.Incidents(ctx, IncidentFilter{Open: true})
	if err != nil {
		e.log.Warn("listing incidents for a command", "err", err)
		return answerUnavailable
	}
	var done []string
	for i := len(open) - 1; i >= 0; i-- {
		inc := &open[i]
		if !inc.Paged(by.ID) || (cmd.Verb == VerbAck && inc.State != StateTriggered) {
			continue
		}
		if _, _, err := e.Apply(ctx, inc.Key, by, cmd.Verb, cmd.Text); err == nil {
			done = append(done, inc.Key)
		}
	}
	if len(done) == 0 {
		return "No open incident of yours to " + string(cmd.Verb)
	}
	return fmt.Sprintf("%s: %s by %s", pastTense(cmd.Verb), strings.Join(done, ", "), by.Name)
}

// Apply carries out verb on the incident key for by, without checking that
// by responds to it (the operator API's tokens stand for that), and returns
// the incident after it with the answer for by. Errors are ErrNotFound,
// ErrWrongState (with the incident as it is) or the store's.
func (e *Engine) Apply(ctx context.Context, key string, by Actor, verb Verb, text string) (Incident, string, error) {
	now := e.clock.Now()
	var inc Incident
	var err error
	switch verb {
	case VerbAck:
		inc, err = e.store.Acknowledge(ctx, now, key, by, e.ackTimeout(ctx, key))
		if err == nil {
			e.metrics.Acks.WithLabelValues(string(by.Channel)).Inc()
			e.observeAcknowledged(&inc, now)
		}
	case VerbResolve:
		inc, err = e.store.Resolve(ctx, now, key, by)
		if err == nil {
			e.observeResolved(&inc)
		}
	case VerbEscalate:
		inc, err = e.store.Escalate(ctx, now, key, by)
	case VerbUpdate:
		inc, err = e.store.AddNote(ctx, key, Entry{At: now, Kind: EntryNote, Actor: by.ID,
			Detail: fmt.Sprintf("update from %s: %s", by.Name, text)})
	default:
		return Incident{}, "", fmt.Errorf("unknown verb %q", verb)
	}
	if err != nil {
		return inc, "", err
	}
	if event := verbEvents[verb]; event != "" {
		e.afterTransition(ctx, &inc, event, now)
	}
	e.Wake()
	e.log.Info("incident "+pastTense(verb), "incident", key, "by", by.ID, "channel", by.Channel)
	return inc, fmt.Sprintf("%s %s by %s", key, pastTense(verb), by.Name), nil
}

// ackTimeout is how long an acknowledgement of the incident key lasts: its
// policy's ack_timeout, or for ever.
func (e *Engine) ackTimeout(ctx context.Context, key string) time.Duration {
	inc, err := e.store.Incident(ctx, key)
	if err != nil {
		return 0
	}
	p, _ := e.rosters.Load().Policy(inc.Policy)
	return p.AckTimeout
}

// verbEvents are the events stakeholders hear of, by the verb that makes them.
var verbEvents = map[Verb]string{VerbAck: eventAcknowledged, VerbResolve: eventResolved, VerbUpdate: eventUpdate}

func pastTense(v Verb) string {
	switch v {
	case VerbAck:
		return "acknowledged"
	case VerbResolve:
		return "resolved"
	case VerbEscalate:
		return "escalated"
	case VerbUpdate:
		return "updated"
	}
	return string(v)
}

// answer turns a transition's result into the text for the responder.
func (e *Engine) answer(inc *Incident, key, ok string, err error) string {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, ErrWrongState) && inc.State == StateResolved:
		return fmt.Sprintf("%s is already resolved", key)
	case errors.Is(err, ErrWrongState) && inc.State == StateAcknowledged:
		return fmt.Sprintf("%s is already acknowledged by %s", key, e.personName(inc.Owner))
	}
	e.log.Warn("acting on an incident", "incident", key, "err", err)
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
