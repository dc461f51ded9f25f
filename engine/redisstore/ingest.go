package redisstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/internal/jsonrecord"
)

// Ingest records a batch of classified alerts in one transition (ingest.lua).
func (s *Store) Ingest(ctx context.Context, now time.Time, batch []engine.Classified) ([]engine.IngestResult, error) {
	return s.ingest(ctx, now, batch, nil)
}

// IngestAndEscalate is Ingest, running the first escalation step of each
// incident it opens in the same script (ingest.lua). The steps are planned
// before the script runs, once for each service, policy and priority of the
// batch's alerts that may open an incident, for a stand-in incident with an
// empty key: the script puts in the key of the incident it opens.
func (s *Store) IngestAndEscalate(ctx context.Context, now time.Time, batch []engine.Classified, step engine.FirstStep) ([]engine.IngestResult, error) {
	return s.ingest(ctx, now, batch, &step)
}

// firstSteps are the plans of an ingest's first steps, and which plan each
// alert of the batch takes (from 1; 0 for none).
type firstSteps struct {
	plans []engine.Completion
	of    []int
}

// stepped is a first step the script ran: its plan and its claims.
type stepped struct {
	plan    int
	claimed engine.Claimed
}

// ingest answers a batch of duplicates only from duplicates.lua, and runs
// ingest.lua, with the first steps of step when given, for any other.
func (s *Store) ingest(ctx context.Context, now time.Time, batch []engine.Classified, step *engine.FirstStep) ([]engine.IngestResult, error) {
	if results, ok, err := s.countDuplicates(ctx, now, batch); ok || err != nil {
		return results, err
	}
	var steps *firstSteps
	var lease time.Duration
	if step != nil {
		plans, of := planFirstSteps(now, batch, step.Plan)
		steps, lease = &firstSteps{plans: plans, of: of}, step.Lease
	}
	args, err := ingestArgs(now, lease, s.incPrefix, batch, steps)
	if err != nil {
		return nil, err
	}
	v, err := s.run(ctx, scriptIngest, "ingest", args...)
	if err != nil {
		return nil, err
	}
	results, ran, err := ingestAnswer(v, batch)
	if err != nil {
		return nil, err
	}
	s.dups.saw(batch)
	for _, st := range ran {
		if steps == nil || st.plan > len(steps.plans) {
			return nil, fmt.Errorf("ingest: a first step of plan %d, not one given", st.plan)
		}
		step.Hand(st.claimed, steps.plans[st.plan-1])
	}
	return results, nil
}

// planFirstSteps plans the first step of the incidents batch may open: one
// plan per service, policy and priority of its firing alerts that are not
// events.
func planFirstSteps(now time.Time, batch []engine.Classified, plan func(*engine.Incident, engine.Timer) engine.Completion) ([]engine.Completion, []int) {
	type kind struct {
		service, policy string
		priority        engine.Priority
	}
	var plans []engine.Completion
	planned := map[kind]int{}
	of := make([]int, len(batch))
	for i := range batch {
		a := &batch[i]
		if a.Status != engine.AlertFiring || a.Event != "" {
			continue
		}
		k := kind{a.Service, a.Policy, a.Priority}
		if planned[k] == 0 {
			inc := engine.Incident{Gen: 1, State: engine.StateTriggered, Service: a.Service, Policy: a.Policy, Priority: a.Priority}
			esc := engine.Timer{ID: engine.EscalationTimerID(""), Kind: engine.TimerEscalate, Gen: 1, Due: now}
			plans = append(plans, plan(&inc, esc))
			planned[k] = len(plans)
		}
		of[i] = planned[k]
	}
	return plans, of
}

// ingestFields is how many arguments each alert takes (ingest.lua FIELDS).
const ingestFields = 15

func ingestArgs(now time.Time, lease time.Duration, prefix string, batch []engine.Classified, steps *firstSteps) ([]any, error) {
	args := make([]any, 0, 9+len(batch)*ingestFields)
	args = append(args, formatTime(now), nowScore(now), dueScore(now), prefix)
	args = appendLease(args, now, lease)
	var planOf []int
	if steps != nil {
		planOf = steps.of
		var err error
		if args, err = appendPlans(args, steps.plans); err != nil {
			return nil, err
		}
	} else {
		args = append(args, 0)
	}
	args = append(args, len(batch))
	for i := range batch {
		a := &batch[i]
		body, err := jsonrecord.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode alert %s: %w", a.ID(), err)
		}
		first := a.StartsAt
		if first.IsZero() || first.After(now) {
			first = now
		}
		plan := 0
		if planOf != nil {
			plan = planOf[i]
		}
		args = append(args, a.ID(), body, string(a.Status), string(a.Event), a.GroupKey,
			a.Priority.String(), a.Summary, a.Integration, a.Source, a.Service, a.Policy, a.Category,
			formatTime(first), formatTime(a.EndsAt), plan)
	}
	return args, nil
}

// appendPlans lays out first-step plans as ingest.lua reads them: each page
// and timer with the stand-in incident's empty key cut out of its key, for
// the script to put the new incident's in.
func appendPlans(args []any, plans []engine.Completion) ([]any, error) {
	args = append(args, len(plans))
	for _, cp := range plans {
		if len(cp.DueNow) > 0 {
			return nil, fmt.Errorf("first step: brings timers forward (%v): a new incident has none", cp.DueNow)
		}
		var err error
		if args, err = appendPosition(args, &cp); err != nil {
			return nil, fmt.Errorf("first step: %w", err)
		}
		args = append(args, len(cp.Pages))
		for _, p := range cp.Pages {
			prefix, suffix, ok := cutStandInKey(p.Key)
			if !ok || prefix != pagePrefix {
				return nil, fmt.Errorf("first step: page key %q is not one of the stand-in incident's", p.Key)
			}
			p.Key = ""
			b, err := jsonrecord.Marshal(p)
			if err != nil {
				return nil, fmt.Errorf("first step: encode page: %w", err)
			}
			args = append(args, suffix, b)
		}
		args = append(args, len(cp.Timers))
		for _, t := range cp.Timers {
			prefix, suffix, ok := cutStandInKey(t.ID)
			if !ok || t.Incident != "" {
				return nil, fmt.Errorf("first step: timer %q is not one of the stand-in incident's", t.ID)
			}
			t.ID = ""
			js, err := encodeTimer(t)
			if err != nil {
				return nil, fmt.Errorf("first step: %w", err)
			}
			args = append(args, prefix, suffix, dueScore(t.NextRun()), js)
		}
	}
	return args, nil
}

// pagePrefix starts every page key, before the incident's key.
const pagePrefix = "page/"

// cutStandInKey splits a key made from the stand-in incident's empty key
// (engine.EscalationTimerID, engine.PageKey) where the key goes.
func cutStandInKey(id string) (prefix, suffix string, ok bool) {
	if id == engine.EscalationTimerID("") {
		return id, "", true
	}
	if suffix, ok := strings.CutPrefix(id, pagePrefix); ok && strings.HasPrefix(suffix, "/") {
		return pagePrefix, suffix, true
	}
	return "", "", false
}

// ingestAnswer reads ingest.lua's answer: three strings per alert, then
// per first step run its incident key, plan, snapshot, and claimed timers.
func ingestAnswer(v any, batch []engine.Classified) ([]engine.IngestResult, []stepped, error) {
	items, ok := v.([]any)
	if !ok && len(batch) > 0 || len(items) < 3*len(batch) {
		return nil, nil, fmt.Errorf("ingest: unexpected answer %T of %d items", v, len(items))
	}
	out := make([]engine.IngestResult, len(batch))
	for i := range batch {
		outcome, _ := items[3*i].(string)
		incident, _ := items[3*i+1].(string)
		prio, _ := items[3*i+2].(string)
		p, err := engine.ParsePriority(prio)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: alert %d: %w", i, err)
		}
		out[i] = engine.IngestResult{AlertID: batch[i].ID(), Outcome: engine.Outcome(outcome), Incident: incident, Priority: p}
	}
	steps, err := decodeSteps(items[3*len(batch):])
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: %w", err)
	}
	return out, steps, nil
}

// decodeSteps reads the first steps of ingest.lua's answer.
func decodeSteps(items []any) ([]stepped, error) {
	var out []stepped
	for len(items) > 0 {
		if len(items) < 4 {
			return nil, fmt.Errorf("first step: %d items left", len(items))
		}
		key, _ := items[0].(string)
		plan, _ := items[1].(int64)
		n, _ := items[3].(int64)
		if plan < 1 || n < 0 || int64(len(items)-4) < n {
			return nil, fmt.Errorf("first step of %s: plan %d, %d timers of %d items", key, plan, n, len(items)-4)
		}
		claimed, err := decodeClaimed(key, items[2], items[4:4+n])
		if err != nil {
			return nil, fmt.Errorf("first step of %s: %w", key, err)
		}
		out = append(out, stepped{plan: int(plan), claimed: claimed})
		items = items[4+n:]
	}
	return out, nil
}
