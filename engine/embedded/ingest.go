package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// Ingest records a batch of classified alerts in one transaction.
func (s *Store) Ingest(ctx context.Context, now time.Time, batch []engine.Classified) ([]engine.IngestResult, error) {
	return s.ingest(now, batch, nil)
}

// IngestAndEscalate is Ingest, running the first escalation step of each
// incident it opens. It hands the step's claims over once the change is
// made, before waiting for the disk, as ClaimDue could claim them then.
func (s *Store) IngestAndEscalate(ctx context.Context, now time.Time, batch []engine.Classified, step engine.FirstStep) ([]engine.IngestResult, error) {
	return s.ingest(now, batch, &step)
}

func (s *Store) ingest(now time.Time, batch []engine.Classified, step *engine.FirstStep) ([]engine.IngestResult, error) {
	results := make([]engine.IngestResult, len(batch))
	err := s.update(func(c *change) error {
		for i := range batch {
			results[i] = c.ingest(now, &batch[i])
			// A duplicate changes only a count and a time: the alert is on
			// disk already, so the sender need not wait for the disk (the
			// alert-storm path).
			c.mustWait = c.mustWait || results[i].Outcome != engine.OutcomeDuplicate
		}
		if step != nil {
			c.committed = c.firstSteps(results, now, step)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// firstSteps runs the first escalation step of each incident results
// opened that is still open, and returns what hands the steps over.
func (c *change) firstSteps(results []engine.IngestResult, now time.Time, step *engine.FirstStep) func() {
	type stepped struct {
		claimed engine.Claimed
		cp      engine.Completion
	}
	var ran []stepped
	for _, r := range results {
		if r.Outcome != engine.OutcomeOpened {
			continue
		}
		esc := c.timer(engine.EscalationTimerID(r.Incident))
		if esc == nil {
			continue // resolved again by a later alert of the batch
		}
		inc := c.incident(r.Incident)
		cp := step.Plan(inc, *esc)
		c.removeTimer(esc.ID)
		made := c.apply(now, inc, &cp)
		ran = append(ran, stepped{engine.Claimed{Timers: c.claimMade(made, now, step.Lease), Incident: c.snapshot(r.Incident)}, cp})
	}
	return func() {
		for _, st := range ran {
			step.Hand(st.claimed, st.cp)
		}
	}
}

// ingest applies one alert to the change.
func (c *change) ingest(now time.Time, in *engine.Classified) engine.IngestResult {
	id := in.ID()
	res := engine.IngestResult{AlertID: id, Priority: in.Priority}
	_, changed := c.alerts[id]
	rec := c.alert(id)
	if rec != nil && c.duplicate(rec, in) {
		rec.Count++
		rec.LastSeen = now
		set(&c.counted, id, !changed || c.counted[id])
		res.Outcome, res.Incident = engine.OutcomeDuplicate, rec.Incident
		return res
	}
	delete(c.counted, id)
	if in.Status == engine.AlertResolved {
		return c.clearAlert(now, id, rec, in, res)
	}
	if rec == nil {
		rec = &heldAlert{AlertRecord: engine.AlertRecord{FirstSeen: now}}
	}
	rec.setClassified(in)
	rec.Incident, rec.LastSeen = "", now
	rec.Count++
	c.putAlert(id, rec)
	if in.Event != "" {
		res.Outcome = engine.OutcomeEvent
		return res
	}
	if key := c.openIncident(in.GroupKey); key != "" {
		c.join(now, c.incident(key), id, rec)
		res.Outcome, res.Incident = engine.OutcomeJoined, key
		return res
	}
	res.Outcome, res.Incident = engine.OutcomeOpened, c.openNew(now, id, rec)
	return res
}

// duplicate reports whether in changes nothing about rec but its count: the
// same status, and for a firing alert, still where it was recorded (an open
// incident, or an event that is still an event).
func (c *change) duplicate(rec *heldAlert, in *engine.Classified) bool {
	if rec.Status != in.Status {
		return false
	}
	if in.Status == engine.AlertResolved {
		return true
	}
	if rec.Incident == "" {
		return in.Event != ""
	}
	inc := c.peekIncident(rec.Incident)
	return inc != nil && inc.Open()
}

// openNew opens an incident for rec, with its escalation due at now.
func (c *change) openNew(now time.Time, id string, rec *heldAlert) string {
	c.seq++
	key := engine.IncidentKey(c.s.prefix, c.seq)
	inc := &engine.Incident{
		Key: key, Number: c.seq, Service: rec.Service, Policy: rec.Policy, Category: rec.Category,
		Priority: rec.Priority, State: engine.StateTriggered, Summary: rec.Summary, GroupKey: rec.GroupKey,
		FirstAlertAt: rec.StartsAt, OpenedAt: now, Gen: 1,
		Alerts: []string{id}, Firing: 1,
		Timeline: []engine.Entry{{At: now, Kind: engine.EntryOpened, Actor: rec.Integration,
			Detail: fmt.Sprintf("opened %s by alert %s from %s", rec.Priority, rec.Summary, rec.Integration)}},
	}
	if inc.FirstAlertAt.IsZero() || inc.FirstAlertAt.After(now) {
		inc.FirstAlertAt = now
	}
	rec.Incident = key
	c.addIncident(inc)
	set(&c.open, rec.GroupKey, key)
	c.putTimer(engine.Timer{ID: engine.EscalationTimerID(key), Kind: engine.TimerEscalate,
		Incident: key, Gen: inc.Gen, Due: now})
	return key
}

// join adds a firing alert to an open incident.
func (c *change) join(now time.Time, inc *engine.Incident, id string, rec *heldAlert) {
	rec.Incident = inc.Key
	if !c.listed(inc, id) {
		inc.Alerts = append(inc.Alerts, id)
		c.noteListed(inc, id)
	}
	inc.Firing++
	inc.Timeline = append(inc.Timeline, engine.Entry{At: now, Kind: engine.EntryAlertJoined, Actor: rec.Integration,
		Detail: fmt.Sprintf("alert %s joined (%s)", rec.Summary, rec.Priority)})
}

// clearAlert records an alert resolved at its source, and resolves its
// incident when no other alert of it is firing.
func (c *change) clearAlert(now time.Time, id string, rec *heldAlert, in *engine.Classified, res engine.IngestResult) engine.IngestResult {
	if rec == nil {
		rec = holdAlert(&engine.AlertRecord{Classified: *in, FirstSeen: now})
		c.putAlert(id, rec)
	}
	rec.Status, rec.EndsAt, rec.LastSeen = engine.AlertResolved, in.EndsAt, now
	rec.Count++
	res.Outcome, res.Incident = engine.OutcomeCleared, rec.Incident
	inc := c.peekIncident(rec.Incident)
	if inc == nil || !inc.Open() {
		return res
	}
	inc = c.incident(rec.Incident)
	inc.Firing--
	inc.Timeline = append(inc.Timeline, engine.Entry{At: now, Kind: engine.EntryAlertCleared, Actor: rec.Integration,
		Detail: fmt.Sprintf("alert %s resolved at the source", rec.Summary)})
	if inc.Firing <= 0 {
		inc.Firing = 0
		c.resolve(now, inc, engine.Actor{Name: rec.Source}, "all alerts resolved at the source")
		res.Outcome, res.Priority = engine.OutcomeResolved, inc.Priority
	}
	return res
}

// resolve moves inc to resolved, stops its escalation and schedules the
// resolution notices.
func (c *change) resolve(now time.Time, inc *engine.Incident, by engine.Actor, detail string) {
	inc.State, inc.ResolvedAt, inc.ResolvedBy = engine.StateResolved, now, by.Name
	inc.Gen++
	inc.Timeline = append(inc.Timeline, engine.Entry{At: now, Kind: engine.EntryResolved, Actor: by.ID, Detail: detail})
	if c.openIncident(inc.GroupKey) == inc.Key {
		set(&c.open, inc.GroupKey, "")
	}
	c.removeTimer(engine.EscalationTimerID(inc.Key))
	c.putTimer(engine.Timer{ID: engine.ResolvedTimerID(inc.Key), Kind: engine.TimerResolved,
		Incident: inc.Key, Gen: inc.Gen, Due: now})
}
