package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The events of an incident that its service's stakeholders are told of.
const (
	eventOpened       = "opened"
	eventAcknowledged = "acknowledged"
	eventUpdate       = "update"
	eventResolved     = "resolved"
)

// afterTransition schedules what follows an incident's transition: its
// owner's update reminders and its stakeholders' email. A failure here is
// logged; the transition itself stands.
func (e *Engine) afterTransition(ctx context.Context, inc *Incident, event string, now time.Time) {
	c := Completion{Incident: inc.Key}
	if event == eventAcknowledged {
		if every := e.updateEvery(inc); every > 0 {
			c.Timers = append(c.Timers, Timer{ID: ReminderTimerID(inc.Key), Kind: TimerReminder,
				Incident: inc.Key, Gen: inc.Gen, Due: now.Add(every)})
		}
	}
	c.Timers = append(c.Timers, e.stakeholderMails(inc, event, now)...)
	if len(c.Timers) == 0 {
		return
	}
	if err := e.store.Complete(ctx, now, c); err != nil {
		e.log.Warn("scheduling reminders and stakeholder email", "incident", inc.Key, "err", err)
		return
	}
	e.Wake()
}

// updateEvery is how often the owner of inc must post a status update; zero
// when its service asks for none at its priority.
func (e *Engine) updateEvery(inc *Incident) time.Duration {
	svc, ok := e.rosters.Load().Service(inc.Service)
	if !ok {
		return 0
	}
	return svc.UpdateEvery[inc.Priority.String()]
}

// stakeholderMails are the timers that email each stakeholder of inc's
// service about event, once each (their IDs name the event's place in the
// timeline).
func (e *Engine) stakeholderMails(inc *Incident, event string, now time.Time) []Timer {
	svc, ok := e.rosters.Load().Service(inc.Service)
	if !ok || e.notifiers[ChannelEmail] == nil {
		return nil
	}
	out := make([]Timer, 0, len(svc.Stakeholders))
	for _, addr := range svc.Stakeholders {
		out = append(out, Timer{ID: fmt.Sprintf("mail/%s/%d/%s", inc.Key, len(inc.Timeline), addr),
			Kind: TimerStakeholderMail, Incident: inc.Key, Gen: inc.Gen, Due: now, Address: addr, Note: event})
	}
	return out
}

// remind runs an update reminder: when the owner of an acknowledged
// incident has posted nothing for the service's interval, they get an SMS;
// the reminder then waits for the next interval. It ends with the
// acknowledgement.
func (e *Engine) remind(ctx context.Context, t Timer, inc *Incident) error {
	now := e.clock.Now()
	every := e.updateEvery(inc)
	if inc.State != StateAcknowledged || every <= 0 {
		return e.store.Complete(ctx, now, Completion{Timer: t})
	}
	if next := lastUpdate(inc).Add(every); now.Before(next) {
		return e.store.Complete(ctx, now, Completion{Timer: t, RetryAt: next})
	}
	owner, ok := e.rosters.Load().Person(inc.Owner)
	n := e.notifiers[ChannelSMS]
	c := Completion{Timer: t, RetryAt: now.Add(every)}
	if err := e.store.Sync(ctx); err != nil {
		return fmt.Errorf("sync before reminding: %w", err)
	}
	if ok && n != nil && t.Claims <= 1 {
		body := fitSMS(fmt.Sprintf("%s: no status update for %s.", inc.Key, shortDuration(now.Sub(lastUpdate(inc)))),
			fmt.Sprintf(" Reply upd %d <text>", inc.Number))
		_, _, err := n.Send(ctx, Message{Channel: ChannelSMS, To: owner.Phone, PersonID: owner.ID,
			Incident: inc.Key, Number: inc.Number, Body: body})
		detail := "reminded " + owner.Name + " to post a status update"
		if err != nil {
			detail = fmt.Sprintf("reminder to %s failed: %v", owner.Name, err)
		}
		e.metrics.Reminders.Inc()
		c.Entries = []Entry{{At: now, Kind: EntryNotice, Actor: owner.ID, Detail: detail}}
	}
	return e.store.Complete(ctx, now, c)
}

// lastUpdate is when the incident's owner last told anybody anything: the
// latest note or acknowledgement.
func lastUpdate(inc *Incident) time.Time {
	for i := len(inc.Timeline) - 1; i >= 0; i-- {
		if k := inc.Timeline[i].Kind; k == EntryNote || k == EntryAcknowledged {
			return inc.Timeline[i].At
		}
	}
	return inc.AckedAt
}

// mailStakeholder sends one stakeholder email, rendered from the incident as
// it is now, retrying transient failures like a page.
func (e *Engine) mailStakeholder(ctx context.Context, t Timer, inc *Incident) error {
	now := e.clock.Now()
	n := e.notifiers[ChannelEmail]
	if n == nil || t.Claims > 1 {
		return e.store.Complete(ctx, now, Completion{Timer: t})
	}
	if err := e.store.Sync(ctx); err != nil {
		return fmt.Errorf("sync before mailing: %w", err)
	}
	_, retry, err := n.Send(ctx, Message{Channel: ChannelEmail, To: t.Address, Incident: inc.Key, Number: inc.Number,
		PageKey: t.ID, Subject: fmt.Sprintf("%s - %s - %s", inc.Key, inc.Priority, inc.Summary),
		Body: e.stakeholderBody(ctx, inc, t.Note, now)})
	switch {
	case err == nil:
		e.metrics.StakeholderMails.WithLabelValues("sent").Inc()
		return e.store.Complete(ctx, now, Completion{Timer: t, Entries: []Entry{{At: now, Kind: EntryNotice,
			Detail: fmt.Sprintf("emailed %s: %s", t.Address, t.Note)}}})
	case retry && t.Attempt+1 < e.maxAttempt:
		e.metrics.StakeholderMails.WithLabelValues("retried").Inc()
		return e.store.Complete(ctx, now, Completion{Timer: t, RetryAt: now.Add(backoff(t.Attempt))})
	}
	e.metrics.StakeholderMails.WithLabelValues("failed").Inc()
	return e.store.Complete(ctx, now, Completion{Timer: t, Entries: []Entry{{At: now, Kind: EntryNotice,
		Detail: fmt.Sprintf("email to %s failed: %v", t.Address, err)}}})
}

// stakeholderBody is the fixed-format message stakeholders get: what
// happened, where the incident stands, its impact, owner and updates.
func (e *Engine) stakeholderBody(ctx context.Context, inc *Incident, event string, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n\n", inc.Key, event, headline(inc))
	fmt.Fprintf(&b, "State: %s\nPriority: %s\nService: %s\nOpened: %s\n", inc.State, inc.Priority, inc.Service, clock(inc.OpenedAt))
	if inc.Owner != "" {
		fmt.Fprintf(&b, "Owner: %s\n", e.personName(inc.Owner))
	}
	fmt.Fprintf(&b, "Impact: %s\n", e.impact(ctx, inc))
	if note, ok := lastNote(inc); ok {
		fmt.Fprintf(&b, "Last update: %s, %s\n", clock(note.At), note.Detail)
	}
	if every := e.updateEvery(inc); every > 0 && inc.State == StateAcknowledged {
		fmt.Fprintf(&b, "Next update expected by: %s\n", clock(lastUpdate(inc).Add(every)))
	}
	if !inc.AckedAt.IsZero() {
		fmt.Fprintf(&b, "Time to acknowledge: %s\n", shortDuration(inc.AckedAt.Sub(inc.OpenedAt)))
	}
	if inc.State == StateResolved {
		fmt.Fprintf(&b, "Time to resolve: %s\nResolved by: %s\n", shortDuration(inc.ResolvedAt.Sub(inc.OpenedAt)), inc.ResolvedBy)
	}
	return b.String()
}

// impact lists the incident's alerts as their sources describe them.
func (e *Engine) impact(ctx context.Context, inc *Incident) string {
	var parts []string
	for _, id := range inc.Alerts {
		a, err := e.store.Alert(ctx, id)
		if err != nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", a.Summary, a.Status))
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strconv.Itoa(inc.Firing) + " alert(s) firing: " + strings.Join(parts, "; ")
}

func lastNote(inc *Incident) (Entry, bool) {
	for i := len(inc.Timeline) - 1; i >= 0; i-- {
		if inc.Timeline[i].Kind == EntryNote {
			return inc.Timeline[i], true
		}
	}
	return Entry{}, false
}

func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
