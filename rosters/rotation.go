package rosters

import (
	"time"
)

// Rotation is members taking turns in shifts of a fixed length, handing off
// at a local wall-clock time.
//
// Handoffs are computed on the local civil clock of Location: with Shift
// 12h and a 09:00 Handoff, the rotation hands off at 09:00 and 21:00 local
// time all year, so a shift spanning a daylight-saving change lasts an hour
// more or less in real time. Where a handoff's wall time occurs twice (the
// clock goes back) it happens at the first occurrence; where it does not
// occur (the clock jumps forward) it happens at the jump.
//
// The schedule extends backwards as well as forwards: before Handoff,
// members take turns in reverse, so members[len-1] has the shift that ends
// at Handoff.
type Rotation struct {
	Team, Name string
	Members    []string       // person ids, in turn order
	Shift      time.Duration  // whole minutes, at least one
	Handoff    time.Time      // a handoff to Members[0]
	Location   *time.Location // whose wall clock the handoffs follow; nil is UTC
	Hours      Hours          // when anybody is on call here; zero value: always
	Overrides  []Override     // sorted by From, never overlapping
}

// Override puts Person on call for a rotation in [From, To), in place of
// whoever the schedule says, and even outside the rotation's hours.
type Override struct {
	Person   string
	From, To time.Time
}

// Ref returns "team/name".
func (r Rotation) Ref() string { return r.Team + "/" + r.Name }

// OnCallAt returns the person on call at at: an override's person if one
// covers at, otherwise, within the rotation's hours, the scheduled member.
// ok is false when nobody is on call.
func (r Rotation) OnCallAt(at time.Time) (personID string, ok bool) {
	if o, found := r.overrideAt(at); found {
		return o.Person, true
	}
	if !r.Hours.Active(at.In(r.location())) {
		return "", false
	}
	return r.ScheduledAt(at)
}

// ScheduledAt returns the member whose shift covers at, ignoring hours and
// overrides. ok is false for a rotation without members or shift.
func (r Rotation) ScheduledAt(at time.Time) (personID string, ok bool) {
	if len(r.Members) == 0 || r.shiftSeconds() <= 0 {
		return "", false
	}
	n := int64(len(r.Members))
	return r.Members[((r.index(at)%n)+n)%n], true
}

// NextHandoffs returns the next n shift handoffs strictly after after, in
// the rotation's location. Overrides and hours do not move handoffs.
func (r Rotation) NextHandoffs(after time.Time, n int) []time.Time {
	if n <= 0 || r.shiftSeconds() <= 0 {
		return nil
	}
	out := make([]time.Time, 0, n)
	last := after
	for k := r.index(after) + 1; len(out) < n; k++ {
		// A shift that falls wholly in a skipped hour has no length;
		// its handoff coincides with the next one and is listed once.
		if h := r.handoffAt(k); h.After(last) {
			out = append(out, h)
			last = h
		}
	}
	return out
}

// overrideAt returns the override covering at.
func (r Rotation) overrideAt(at time.Time) (Override, bool) {
	for _, o := range r.Overrides {
		if !at.Before(o.From) && at.Before(o.To) {
			return o, true
		}
	}
	return Override{}, false
}

// index returns k such that the k-th handoff (0 is Handoff) is the last one
// at or before at. It estimates k on the civil clock, then corrects the
// estimate around daylight-saving changes, where civil and real time part.
func (r Rotation) index(at time.Time) int64 {
	loc := r.location()
	shift := r.shiftSeconds()
	k := floorDiv(civil(at, loc).Unix()-civil(r.Handoff, loc).Unix(), shift)
	for r.handoffAt(k).After(at) {
		k--
	}
	for !r.handoffAt(k + 1).After(at) {
		k++
	}
	return k
}

// handoffAt returns the instant of the k-th handoff: Handoff's wall time
// plus k shifts, on the civil clock.
func (r Rotation) handoffAt(k int64) time.Time {
	loc := r.location()
	h := civil(r.Handoff, loc)
	wall := time.Unix(h.Unix()+k*r.shiftSeconds(), int64(h.Nanosecond())).UTC()
	return instant(wall, loc)
}

func (r Rotation) shiftSeconds() int64 { return int64(r.Shift / time.Second) }

func (r Rotation) location() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// floorDiv divides rounding towards negative infinity, so that times
// before the first handoff fall in earlier shifts, not shift 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
