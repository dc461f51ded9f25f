package rosters

import "time"

// Why says why a rotation has (or has nobody) on call.
type Why string

// The reasons behind an on-call answer.
const (
	WhySchedule     Why = "schedule"      // the member whose shift it is
	WhyOverride     Why = "override"      // an override replaces the schedule
	WhyOutsideHours Why = "outside_hours" // the rotation is inactive now
)

// OnCallNow is who is on call in one rotation at one instant, and the
// rotation's next handoffs.
type OnCallNow struct {
	Rotation Rotation
	// Person is empty when nobody is on call.
	Person       Person
	Why          Why
	NextHandoffs []time.Time
}

// OnCallAt answers, for every rotation (of team, or of every team when team
// is ""), who is on call at at and when the next n handoffs are.
func (s *Set) OnCallAt(at time.Time, team string, n int) []OnCallNow {
	var out []OnCallNow
	for _, r := range s.Rotations() {
		if team != "" && r.Team != team {
			continue
		}
		now := OnCallNow{Rotation: r, Why: WhySchedule, NextHandoffs: r.NextHandoffs(at, n)}
		if _, overridden := r.overrideAt(at); overridden {
			now.Why = WhyOverride
		}
		id, ok := r.OnCallAt(at)
		if !ok {
			now.Why = WhyOutsideHours
		}
		now.Person = s.people[id]
		out = append(out, now)
	}
	return out
}
