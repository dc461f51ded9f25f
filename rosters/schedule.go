package rosters

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// rotations adds the file's rotations.
func (b *builder) rotations(f *parsedFile) {
	if f.team == "" {
		return
	}
	for i, item := range f.raw.Rotations {
		r := item.Value
		field := fmt.Sprintf("rotations[%d]", i)
		if !b.name(f.name, r.Name, item.Line, field+".name") {
			continue
		}
		rot := Rotation{Team: f.team, Name: r.Name.Value, Location: f.loc}
		if !b.define("rotation:"+rot.Ref(), f.name, lineOr(r.Name.Line, item.Line), field+".name", fmt.Sprintf("rotation %q", rot.Ref())) {
			continue
		}
		rot.Members = b.members(f.name, item.Line, field, r.Members)
		rot.Shift = b.shift(f.name, item.Line, field, r)
		rot.Handoff = b.handoff(f, item.Line, field, r.Handoff)
		hours, err := ParseHours(r.Hours.Value)
		if err != nil {
			b.problem(f.name, r.Hours.Line, field+".hours", "%v", err)
		}
		rot.Hours = hours
		b.set.rotations[rot.Ref()] = rot
	}
}

// members checks that every member is a known person.
func (b *builder) members(file string, line int, field string, members []str) []string {
	if len(members) == 0 {
		b.problem(file, line, field+".members", "at least one member is required")
	}
	ids := make([]string, 0, len(members))
	for j, m := range members {
		if _, ok := b.set.people[m.Value]; !ok {
			b.problem(file, lineOr(m.Line, line), fmt.Sprintf("%s.members[%d]", field, j), "unknown person %q", m.Value)
		}
		ids = append(ids, m.Value)
	}
	return ids
}

// shift checks the shift length: whole minutes, at least one.
func (b *builder) shift(file string, line int, field string, r fileRotation) time.Duration {
	d := time.Duration(r.Shift.Value)
	switch {
	case r.Shift.Line == 0:
		b.problem(file, line, field+".shift", "is required, e.g. 7d, 1d or 12h")
	case d < time.Minute || d%time.Minute != 0:
		b.problem(file, r.Shift.Line, field+".shift", "must be a whole number of minutes, at least 1m")
	}
	return d
}

// handoff parses the first handoff, which must be a time the local clock
// actually shows.
func (b *builder) handoff(f *parsedFile, line int, field string, s str) time.Time {
	if s.Value == "" {
		b.problem(f.name, line, field+".handoff", `is required, e.g. "2026-01-05 09:00"`)
		return time.Time{}
	}
	t, wall, err := parseLocal(s.Value, f.loc)
	switch {
	case err != nil:
		b.problem(f.name, s.Line, field+".handoff", "%v", err)
	case !wall.IsZero() && skipped(wall, f.loc):
		b.problem(f.name, s.Line, field+".handoff", "%s does not exist in %s (the clock skips it)", s.Value, f.loc)
	}
	return t
}

// localLayout is how roster files write local times.
const localLayout = "2006-01-02 15:04"

// parseLocal reads "YYYY-MM-DD HH:MM" in loc, or an RFC 3339 time with an
// explicit offset. For a local time it also returns the civil time read.
func parseLocal(s string, loc *time.Location) (t, wall time.Time, err error) {
	if wall, err = time.Parse(localLayout, s); err == nil {
		return instant(wall, loc), wall, nil
	}
	if t, err = time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), time.Time{}, nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("%q is not a local time such as \"2026-01-05 09:00\"", s)
}

// addOverrides collects the file's overrides by rotation.
func (b *builder) addOverrides(f *parsedFile) {
	if f.team == "" {
		return
	}
	for i, item := range f.raw.Overrides {
		r := item.Value
		field := fmt.Sprintf("overrides[%d]", i)
		ref := b.rotationRef(f, item.Line, field+".rotation", r.Rotation)
		b.knownPerson(f.name, lineOr(r.Person.Line, item.Line), field+".person", r.Person.Value)
		from := b.localTime(f, item.Line, field+".from", r.From)
		to := b.localTime(f, item.Line, field+".to", r.To)
		if !from.IsZero() && !to.IsZero() && !to.After(from) {
			b.problem(f.name, r.To.Line, field+".to", "%s is not after from (%s)", r.To.Value, r.From.Value)
			continue
		}
		if ref == "" || from.IsZero() || to.IsZero() {
			continue
		}
		o := Override{Person: r.Person.Value, From: from, To: to}
		b.overrides[ref] = append(b.overrides[ref], placedOverride{Override: o, file: f.name, line: item.Line, field: field})
	}
}

// rotationRef resolves a rotation named "name" (this file's team) or
// "team/name", reporting one that does not exist.
func (b *builder) rotationRef(f *parsedFile, line int, field string, s str) string {
	if s.Value == "" {
		b.problem(f.name, line, field, "is required")
		return ""
	}
	ref := s.Value
	if !strings.Contains(ref, "/") {
		ref = f.team + "/" + ref
	}
	if _, ok := b.set.rotations[ref]; !ok {
		b.problem(f.name, lineOr(s.Line, line), field, "unknown rotation %q", ref)
		return ""
	}
	return ref
}

// knownPerson reports an unknown person id.
func (b *builder) knownPerson(file string, line int, field, id string) {
	if id == "" {
		b.problem(file, line, field, "is required")
	} else if _, ok := b.set.people[id]; !ok {
		b.problem(file, line, field, "unknown person %q", id)
	}
}

// localTime parses a required local time.
func (b *builder) localTime(f *parsedFile, line int, field string, s str) time.Time {
	if s.Value == "" {
		b.problem(f.name, line, field, `is required, e.g. "2026-11-20 09:00"`)
		return time.Time{}
	}
	t, _, err := parseLocal(s.Value, f.loc)
	if err != nil {
		b.problem(f.name, s.Line, field, "%v", err)
	}
	return t
}

// applyOverrides sorts each rotation's overrides, reports overlaps, and
// attaches them to the rotation.
func (b *builder) applyOverrides() {
	for ref, placed := range b.overrides {
		sort.SliceStable(placed, func(i, j int) bool { return placed[i].From.Before(placed[j].From) })
		rot := b.set.rotations[ref]
		var latest placedOverride // of those so far, the one ending last
		for i, o := range placed {
			if i > 0 && o.From.Before(latest.To) {
				b.problem(o.file, o.line, o.field, "overlaps the override of rotation %s at %s:%d", ref, latest.file, latest.line)
			}
			if i == 0 || o.To.After(latest.To) {
				latest = o
			}
			rot.Overrides = append(rot.Overrides, o.Override)
		}
		b.set.rotations[ref] = rot
	}
}
