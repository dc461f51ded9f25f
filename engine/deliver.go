package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

// page runs a page timer: it sends one message to one person, retrying
// transient failures with backoff, and records the outcome on the incident.
// A page that will not be sent brings the person's next channel forward,
// which comes back claimed.
func (e *Engine) page(ctx context.Context, t Timer, inc *Incident) (Claimed, error) {
	now := e.clock.Now()
	page := Page{Key: t.ID, Person: t.Person, Channel: t.Channel, At: now}
	if !current(inc, &t) {
		page.Status = PageCancelled
		return Claimed{}, e.store.Complete(ctx, now, Completion{Timer: t, Pages: []Page{page}})
	}
	person, ok := e.rosters.Load().Person(t.Person)
	switch {
	case !ok:
		return e.pageFailed(ctx, now, t, inc, page, PageFailed, fmt.Sprintf("%s is no longer in the rosters", t.Person))
	case t.Claims > 1:
		// A sender took this page and stopped before recording the outcome:
		// it may have gone out, so it is not sent again.
		return e.pageFailed(ctx, now, t, inc, page, PageUnknown,
			fmt.Sprintf("%s to %s: outcome unknown (the sender stopped mid-send); not sent again", t.Channel, person.Name))
	}
	return e.send(ctx, t, inc, page, person)
}

// send hands msg to the channel's notifier and completes the page timer with
// the outcome: sent, rescheduled after a transient failure, or failed.
func (e *Engine) send(ctx context.Context, t Timer, inc *Incident, page Page, person rosters.Person) (Claimed, error) {
	n := e.notifiers[t.Channel]
	if n == nil {
		return e.pageFailed(ctx, e.clock.Now(), t, inc, page, PageFailed, fmt.Sprintf("no %s provider configured", t.Channel))
	}
	if err := e.store.Sync(ctx); err != nil {
		return Claimed{}, fmt.Errorf("sync before sending %s: %w", t.ID, err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, e.lease*3/4)
	msg := e.render(&t, inc, person)
	msg.Wanted = func() bool { return e.stillWanted(ctx, &t) }
	id, retry, err := n.Send(sendCtx, msg)
	cancel()
	now := e.clock.Now()
	if errors.Is(err, ErrNotWanted) {
		page.Status = PageCancelled
		return Claimed{}, e.store.Complete(ctx, now, Completion{Timer: t, Pages: []Page{page}})
	}
	if err == nil {
		e.metrics.Pages.WithLabelValues(string(t.Channel), "sent").Inc()
		e.observePageSent(&t, inc, now)
		page.Status, page.ProviderID = PageSent, id
		return Claimed{}, e.store.Complete(ctx, now, Completion{Timer: t, Fenced: false, Pages: []Page{page},
			Entries: []Entry{{At: now, Kind: EntryPage, Actor: person.ID,
				Detail: fmt.Sprintf("%s to %s accepted by the provider (%s)", t.Channel, person.Name, id)}}})
	}
	detail := fmt.Sprintf("%s to %s, attempt %d: %v", t.Channel, person.Name, t.Attempt+1, err)
	if !retry || t.Attempt+1 >= e.maxAttempt {
		return e.pageFailed(ctx, now, t, inc, page, PageFailed, detail+"; giving up on this channel")
	}
	e.metrics.Pages.WithLabelValues(string(t.Channel), "retried").Inc()
	wait := backoff(t.Attempt)
	return Claimed{}, e.store.Complete(ctx, now, Completion{Timer: t, RetryAt: now.Add(wait),
		Entries: []Entry{{At: now, Kind: EntryPage, Actor: person.ID,
			Detail: fmt.Sprintf("%s; retrying in %s", detail, wait.Round(time.Second))}}})
}

// stillWanted reports whether page t's incident still wants it; when the
// store cannot tell, the page is sent.
func (e *Engine) stillWanted(ctx context.Context, t *Timer) bool {
	inc, err := e.store.Incident(ctx, t.Incident)
	return err != nil || current(&inc, t)
}

// pageFailed completes a page timer whose page will not be sent, and moves
// the person's next channel forward to now, claimed.
func (e *Engine) pageFailed(ctx context.Context, now time.Time, t Timer, inc *Incident, page Page, status PageStatus, detail string) (Claimed, error) {
	e.metrics.Pages.WithLabelValues(string(t.Channel), string(status)).Inc()
	page.Status = status
	c := Completion{Timer: t, Pages: []Page{page},
		Entries: []Entry{{At: now, Kind: EntryPage, Actor: t.Person, Detail: detail}}}
	e.failover(&c, &t, inc.Priority, now)
	return e.store.CompleteAndClaim(ctx, now, c, e.lease)
}

// failover adds to c the move of the person's next channel (after page t's
// channel, in their notify rules) to now, with a timeline entry.
func (e *Engine) failover(c *Completion, t *Timer, pr Priority, now time.Time) {
	person, ok := e.rosters.Load().Person(t.Person)
	if !ok {
		return
	}
	rules := e.rules(person, pr)
	i := slices.IndexFunc(rules, func(r rosters.NotifyRule) bool { return Channel(r.Channel) == t.Channel })
	if i < 0 || i+1 >= len(rules) {
		return
	}
	next := Channel(rules[i+1].Channel)
	c.DueNow = append(c.DueNow, PageKey(t.Incident, t.Gen, t.Round, t.Step, t.Person, next))
	c.Entries = append(c.Entries, Entry{At: now, Kind: EntryPage, Actor: t.Person,
		Detail: fmt.Sprintf("failing over to %s for %s at once", next, person.Name)})
}

// backoff is the wait before retry attempt+1: exponential from 2s, capped
// at one minute, with jitter so that many failed pages do not retry at once.
func backoff(attempt int) time.Duration {
	d := min(2*time.Second<<attempt, time.Minute)
	return d/2 + rand.N(d/2+1)
}

// fanOutNotices runs a resolved incident's fan-out timer: one resolution
// notice timer for each person a page reached, each due now and claimed.
func (e *Engine) fanOutNotices(ctx context.Context, t Timer, inc *Incident) (Claimed, error) {
	now := e.clock.Now()
	c := Completion{Timer: t}
	seen := map[string]bool{}
	for _, p := range inc.Pages {
		if p.Status != PageSent || seen[p.Person] {
			continue
		}
		seen[p.Person] = true
		c.Timers = append(c.Timers, Timer{ID: NoticeTimerID(inc.Key, p.Person), Kind: TimerNotice,
			Incident: inc.Key, Gen: inc.Gen, Due: now, Person: p.Person, Channel: ChannelSMS})
	}
	return e.store.CompleteAndClaim(ctx, now, c, e.lease)
}

// notice sends one resolution notice by SMS. It is sent once: a failed
// notice is recorded, not retried, since the incident is already over.
func (e *Engine) notice(ctx context.Context, t Timer, inc *Incident) error {
	now := e.clock.Now()
	person, ok := e.rosters.Load().Person(t.Person)
	n := e.notifiers[ChannelSMS]
	if !ok || n == nil || t.Claims > 1 {
		return e.store.Complete(ctx, now, Completion{Timer: t})
	}
	if err := e.store.Sync(ctx); err != nil {
		return fmt.Errorf("sync before sending %s: %w", t.ID, err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, e.lease*3/4)
	_, _, err := n.Send(sendCtx, Message{Channel: ChannelSMS, To: person.Phone, PersonID: person.ID,
		Incident: inc.Key, Body: resolutionNotice(inc)})
	cancel()
	detail := "resolution notice sent to " + person.Name
	result := "sent"
	if err != nil {
		detail = fmt.Sprintf("resolution notice to %s failed: %v", person.Name, err)
		result = "failed"
	}
	e.metrics.Pages.WithLabelValues("notice", result).Inc()
	return e.store.Complete(ctx, e.clock.Now(), Completion{Timer: t,
		Entries: []Entry{{At: now, Kind: EntryNotice, Actor: person.ID, Detail: detail}}})
}
