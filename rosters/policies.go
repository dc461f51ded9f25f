package rosters

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// policies adds the file's escalation policies.
func (b *builder) policies(f *parsedFile) {
	if f.team == "" {
		return
	}
	for i, item := range f.raw.Policies {
		r := item.Value
		field := fmt.Sprintf("policies[%d]", i)
		if !b.name(f.name, r.Name, item.Line, field+".name") {
			continue
		}
		p := Policy{Team: f.team, Name: r.Name.Value, Repeat: r.Repeat.Value, AckTimeout: time.Duration(r.AckTimeout)}
		if !b.define("policy:"+p.Ref(), f.name, lineOr(r.Name.Line, item.Line), field+".name", fmt.Sprintf("policy %q", p.Ref())) {
			continue
		}
		if p.Repeat < 0 {
			b.problem(f.name, r.Repeat.Line, field+".repeat", "must not be negative")
		}
		if len(r.Steps) == 0 {
			b.problem(f.name, item.Line, field+".steps", "at least one step is required")
		}
		for j, step := range r.Steps {
			p.Steps = append(p.Steps, b.step(f, fmt.Sprintf("%s.steps[%d]", field, j), step.Line, step.Value))
		}
		if p.Repeat > 0 && len(p.Steps) > 0 && totalWait(p.Steps) == 0 {
			b.problem(f.name, lineOr(r.Repeat.Line, item.Line), field+".repeat",
				"repeating steps that never wait would page in a loop: give a step an escalate_after")
		}
		b.set.policies[p.Ref()] = p
	}
}

// step checks one escalation step and resolves its targets.
func (b *builder) step(f *parsedFile, field string, line int, r fileStep) Step {
	s := Step{EscalateAfter: time.Duration(r.EscalateAfter.Value)}
	if r.EscalateAfter.Line == 0 {
		b.problem(f.name, line, field+".escalate_after", "is required, e.g. 5m (0s escalates at once)")
	}
	if len(r.Notify) == 0 {
		b.problem(f.name, line, field+".notify", "at least one target is required")
	}
	for k, n := range r.Notify {
		if t, ok := b.target(f, lineOr(n.Line, line), fmt.Sprintf("%s.notify[%d]", field, k), n.Value); ok {
			s.Targets = append(s.Targets, t)
		}
	}
	for k, pr := range r.Priorities {
		if !priorities[pr.Value] {
			b.problem(f.name, lineOr(pr.Line, line), fmt.Sprintf("%s.priorities[%d]", field, k), "%q is not one of P0, P1, P2, P3", pr.Value)
		}
		s.Priorities = append(s.Priorities, pr.Value)
	}
	return s
}

// target parses and resolves a step target written in file f.
func (b *builder) target(f *parsedFile, line int, field, ref string) (Target, bool) {
	t, err := ParseTarget(ref, f.team)
	if err == nil {
		t, err = b.set.resolve(t)
	}
	if err != nil {
		b.problem(f.name, line, field, "%v", err)
		return Target{}, false
	}
	return t, true
}

func totalWait(steps []Step) time.Duration {
	var d time.Duration
	for _, s := range steps {
		d += s.EscalateAfter
	}
	return d
}

// services adds the file's services; names are unique across all files
// because alerts name services without a team.
func (b *builder) services(f *parsedFile) {
	if f.team == "" {
		return
	}
	for i, item := range f.raw.Services {
		r := item.Value
		field := fmt.Sprintf("services[%d]", i)
		if r.Name.Value == "" {
			b.problem(f.name, item.Line, field+".name", "is required")
			continue
		}
		if !b.define("service:"+r.Name.Value, f.name, lineOr(r.Name.Line, item.Line), field+".name", fmt.Sprintf("service %q", r.Name.Value)) {
			continue
		}
		svc := Service{Team: f.team, Name: r.Name.Value, Policy: b.policyRef(f, item.Line, field+".policy", r.Policy)}
		for j, g := range r.GroupBy {
			if g.Value == "" {
				b.problem(f.name, lineOr(g.Line, item.Line), fmt.Sprintf("%s.group_by[%d]", field, j), "must name a label")
			}
			svc.GroupBy = append(svc.GroupBy, g.Value)
		}
		for j, s := range r.Stakeholders {
			if !validEmail(s.Value) {
				b.problem(f.name, lineOr(s.Line, item.Line), fmt.Sprintf("%s.stakeholders[%d]", field, j), "%q is not an email address", s.Value)
			}
			svc.Stakeholders = append(svc.Stakeholders, s.Value)
		}
		svc.UpdateEvery = b.updateEvery(f.name, lineOr(r.UpdateEvery.Line, item.Line), field+".update_every", r.UpdateEvery.Value)
		b.set.services[svc.Name] = svc
	}
}

// policyRef resolves a policy named "name" (this file's team) or
// "team/name".
func (b *builder) policyRef(f *parsedFile, line int, field string, s str) string {
	if s.Value == "" {
		b.problem(f.name, line, field, "is required")
		return ""
	}
	ref := s.Value
	if !strings.Contains(ref, "/") {
		ref = f.team + "/" + ref
	}
	if _, ok := b.set.policies[ref]; !ok {
		b.problem(f.name, lineOr(s.Line, line), field, "unknown policy %q", ref)
	}
	return ref
}

// updateEvery checks the reminder intervals by priority.
func (b *builder) updateEvery(file string, line int, field string, m map[string]yamlfile.Duration) map[string]time.Duration {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]time.Duration, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, pr := range keys {
		d := time.Duration(m[pr])
		switch {
		case !priorities[pr]:
			b.problem(file, line, field, "%q is not one of P0, P1, P2, P3", pr)
		case d <= 0:
			b.problem(file, line, field, "%s: interval must be more than 0", pr)
		}
		out[pr] = d
	}
	return out
}
