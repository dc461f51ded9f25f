package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
	"github.com/klaxonhq/klaxon/server"
)

// oncall prints who is on call in every rotation at a time, and the next two
// handoffs in the rotation's local time and in UTC.
func oncall(path, atText, team string, now time.Time, stdout, stderr io.Writer) int {
	at, err := parseAt(atText, now)
	if err != nil {
		fmt.Fprintln(stderr, "klaxon oncall: --at:", err)
		return 2
	}
	_, rs, err := server.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	answers := rs.OnCallAt(at, team, 2)
	if len(answers) == 0 {
		fmt.Fprintf(stderr, "klaxon oncall: no rotations for team %q\n", team)
		return 1
	}
	writeOnCall(stdout, at, answers)
	return 0
}

// parseAt reads --at: RFC 3339, or "YYYY-MM-DD HH:MM" in UTC; empty is now.
func parseAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor YYYY-MM-DD HH:MM", s)
	}
	return t, nil
}

func writeOnCall(w io.Writer, at time.Time, answers []rosters.OnCallNow) {
	fmt.Fprintf(w, "On call at %s\n\n", at.UTC().Format("2006-01-02 15:04 MST"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROTATION\tON CALL\tNEXT HANDOFFS (LOCAL)\tNEXT HANDOFFS (UTC)")
	for _, a := range answers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Rotation.Ref(), who(a),
			handoffs(a.NextHandoffs, a.Rotation.Location), handoffs(a.NextHandoffs, time.UTC))
	}
	tw.Flush()
}

func who(a rosters.OnCallNow) string {
	switch a.Why {
	case rosters.WhyOutsideHours:
		return "nobody (outside " + a.Rotation.Hours.Text + ")"
	case rosters.WhyOverride:
		return a.Person.Name + " (override)"
	}
	return a.Person.Name
}

func handoffs(ts []time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.In(loc).Format("Mon 2006-01-02 15:04 MST")
	}
	return strings.Join(parts, ", ")
}
