package rosters

import "time"

// Civil time is a wall-clock reading (date and time of day, no zone) held
// in a UTC time.Time, so that adding 24h to it means "same time tomorrow"
// whatever the local daylight-saving rules do.

// civil returns the wall clock of t in loc as a civil time.
func civil(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, mo, d := l.Date()
	h, mi, s := l.Clock()
	return time.Date(y, mo, d, h, mi, s, l.Nanosecond(), time.UTC)
}

// instant returns the first instant at which loc's clock reads the civil
// time wall. A wall time that loc skips (the clock jumps forward over it)
// maps to the instant of the jump, so that instant never decreases as wall
// increases.
func instant(wall time.Time, loc *time.Location) time.Time {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(),
		wall.Second(), wall.Nanosecond(), loc)
	start, end := t.ZoneBounds()
	got := civil(t, loc)
	switch {
	case got.Before(wall) && !end.IsZero():
		return end
	case got.After(wall) && !start.IsZero():
		return start
	case !got.Equal(wall):
		return t
	}
	// The wall time may also have been read earlier, before the clock went
	// back at start; prefer that first reading.
	if !start.IsZero() {
		_, before := start.Add(-time.Nanosecond).Zone()
		earlier := wall.Add(-time.Duration(before) * time.Second).In(loc)
		if earlier.Before(start) && civil(earlier, loc).Equal(wall) {
			return earlier
		}
	}
	return t
}

// skipped reports whether loc's clock never reads wall.
func skipped(wall time.Time, loc *time.Location) bool {
	return !civil(instant(wall, loc), loc).Equal(wall)
}
