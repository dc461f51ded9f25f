package rosters

import (
	"fmt"
	"strings"
	"time"
)

// Hours masks a rotation: nobody is on call outside its windows, while the
// shifts keep turning underneath. The zero value is always active.
type Hours struct {
	Text    string // as written, e.g. "Mon-Fri 09:00-17:00, Sat 10:00-14:00"
	Windows []HoursWindow
}

// HoursWindow is active on each of Days from Start until End minutes after
// local midnight. An End before Start runs past midnight into the next day.
type HoursWindow struct {
	Days       [7]bool // indexed by time.Weekday
	Start, End int     // minutes after midnight, End up to 24*60
}

// Active reports whether local (a time in the rotation's location) is
// inside one of the windows.
func (h Hours) Active(local time.Time) bool {
	if len(h.Windows) == 0 {
		return true
	}
	day := local.Weekday()
	minute := local.Hour()*60 + local.Minute()
	for _, w := range h.Windows {
		if w.active(day, minute) {
			return true
		}
	}
	return false
}

func (w HoursWindow) active(day time.Weekday, minute int) bool {
	if w.Start < w.End {
		return w.Days[day] && minute >= w.Start && minute < w.End
	}
	yesterday := (day + 6) % 7
	return (w.Days[day] && minute >= w.Start) || (w.Days[yesterday] && minute < w.End)
}

// ParseHours reads comma-separated windows, each an optional day or day
// range and a time range: "Mon-Fri 09:00-17:00, Sat 10:00-14:00",
// "22:00-06:00" (every night), "Fri-Mon 00:00-24:00". Day ranges may wrap
// past Sunday. An empty string means always.
func ParseHours(s string) (Hours, error) {
	h := Hours{Text: s}
	if strings.TrimSpace(s) == "" {
		return h, nil
	}
	for _, part := range strings.Split(s, ",") {
		w, err := parseWindow(strings.Fields(part))
		if err != nil {
			return Hours{}, fmt.Errorf("window %q: %w", strings.TrimSpace(part), err)
		}
		h.Windows = append(h.Windows, w)
	}
	return h, nil
}

func parseWindow(fields []string) (HoursWindow, error) {
	var w HoursWindow
	switch len(fields) {
	case 1:
		w.Days = [7]bool{true, true, true, true, true, true, true}
	case 2:
		days, err := parseDays(fields[0])
		if err != nil {
			return w, err
		}
		w.Days = days
		fields = fields[1:]
	default:
		return w, fmt.Errorf("want days and times such as Mon-Fri 09:00-17:00")
	}
	from, to, ok := strings.Cut(fields[0], "-")
	if !ok || !strings.Contains(fields[0], ":") {
		return w, fmt.Errorf("want a time range such as 09:00-17:00")
	}
	var err error
	if w.Start, err = parseClock(from, false); err != nil {
		return w, err
	}
	if w.End, err = parseClock(to, true); err != nil {
		return w, err
	}
	if w.Start == w.End {
		return w, fmt.Errorf("starts and ends at the same time")
	}
	return w, nil
}

// parseDays reads "Mon" or a range "Mon-Fri" (wrapping past Sunday).
func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	from, to, isRange := strings.Cut(s, "-")
	first, err := parseWeekday(from)
	if err != nil {
		return days, err
	}
	last := first
	if isRange {
		if last, err = parseWeekday(to); err != nil {
			return days, err
		}
	}
	for d := first; ; d = (d + 1) % 7 {
		days[d] = true
		if d == last {
			return days, nil
		}
	}
}

func parseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(s)
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", s)
}

// parseClock reads "HH:MM" as minutes after midnight; "24:00" only as an
// end.
func parseClock(s string, end bool) (int, error) {
	bad := fmt.Errorf("%q is not a time such as 09:00", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, bad
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, bad
	}
	return h*60 + m, nil
}
