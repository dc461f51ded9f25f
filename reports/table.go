package reports

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"
)

// maxNameWidth bounds how much of a summary the table shows.
const maxNameWidth = 60

// WriteTable writes the report as plain-text tables for a terminal: one
// section after another, durations rounded to the second.
func (r Report) WriteTable(w io.Writer) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, section := range []func(io.Writer){r.writeHeading, r.writePriorities, r.writeDetect,
		r.writeServices, r.writeOwners, r.writeWeeks, r.writeTopAlerts, r.writeSources, writeFootnote} {
		section(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (r Report) writeHeading(w io.Writer) {
	fmt.Fprintf(w, "Incidents opened %s\n\n", window(r.Since, r.Until))
	t := r.Totals
	fmt.Fprintf(w, "%d incidents (%d triggered, %d acknowledged, %d resolved), %d alerts, %d never acknowledged\n\n",
		t.Incidents, t.Triggered, t.Acknowledged, t.Resolved, t.Alerts, t.Unowned)
}

// window describes [since, until) in UTC.
func window(since, until time.Time) string {
	const layout = "2006-01-02 15:04 MST"
	switch {
	case since.IsZero() && until.IsZero():
		return "at any time"
	case since.IsZero():
		return "before " + until.UTC().Format(layout)
	case until.IsZero():
		return "from " + since.UTC().Format(layout)
	}
	return "from " + since.UTC().Format(layout) + " to " + until.UTC().Format(layout)
}

func (r Report) writePriorities(w io.Writer) {
	fmt.Fprintln(w, "PRIORITY\tINCIDENTS\tACKED\tMTTA\tTTA P50\tTTA P90\tRESOLVED\tMTTR\tTTR P50\tTTR P90")
	for _, p := range r.ByPriority {
		priorityRow(w, p.Priority.String(), p.Incidents, p.TimeToAcknowledge, p.TimeToResolve)
	}
	priorityRow(w, "all", r.Totals.Incidents, r.TimeToAcknowledge, r.TimeToResolve)
	fmt.Fprintln(w)
}

func priorityRow(w io.Writer, name string, incidents int, ack, resolve Durations) {
	fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", name, incidents,
		ack.Count, human(ack.Count, ack.Mean), human(ack.Count, ack.P50), human(ack.Count, ack.P90),
		resolve.Count, human(resolve.Count, resolve.Mean), human(resolve.Count, resolve.P50), human(resolve.Count, resolve.P90))
}

func (r Report) writeDetect(w io.Writer) {
	d := r.TimeToDetect
	fmt.Fprintf(w, "Time to detect, over %d incidents: mean %s, p50 %s, p90 %s\n\n",
		d.Count, human(d.Count, d.Mean), human(d.Count, d.P50), human(d.Count, d.P90))
}

func (r Report) writeServices(w io.Writer) {
	fmt.Fprintln(w, "SERVICE\tINCIDENTS\tALERTS")
	for _, g := range r.ByService {
		fmt.Fprintf(w, "%s\t%d\t%d\n", orNone(g.Name), g.Incidents, g.Alerts)
	}
	fmt.Fprintln(w)
}

func (r Report) writeOwners(w io.Writer) {
	fmt.Fprintln(w, "OWNER\tINCIDENTS")
	for _, c := range r.ByOwner {
		fmt.Fprintf(w, "%s\t%d\n", c.Name, c.Incidents)
	}
	if r.Totals.Unowned > 0 {
		fmt.Fprintf(w, "(nobody)\t%d\n", r.Totals.Unowned)
	}
	fmt.Fprintln(w)
}

func (r Report) writeWeeks(w io.Writer) {
	fmt.Fprintln(w, "WEEK\tFROM\tINCIDENTS")
	for _, wk := range r.Weeks {
		fmt.Fprintf(w, "%s\t%s\t%d\n", wk.Week, wk.Start.Format("2006-01-02"), wk.Incidents)
	}
	fmt.Fprintln(w)
}

func (r Report) writeTopAlerts(w io.Writer) {
	fmt.Fprintln(w, "TOP ALERTS\tINCIDENTS\tALERTS")
	for _, g := range r.TopAlerts {
		fmt.Fprintf(w, "%s\t%d\t%d\n", shorten(orNone(g.Name)), g.Incidents, g.Alerts)
	}
	fmt.Fprintln(w)
}

func (r Report) writeSources(w io.Writer) {
	fmt.Fprintln(w, "SOURCE\tALERTS")
	for _, name := range slices.Sorted(maps.Keys(r.AlertsBySource)) {
		fmt.Fprintf(w, "%s\t%d\n", orNone(name), r.AlertsBySource[name])
	}
	fmt.Fprintln(w)
}

func writeFootnote(w io.Writer) {
	fmt.Fprintln(w, "TTA and TTR count only the incidents acknowledged (ACKED) and resolved (RESOLVED);")
	fmt.Fprintln(w, "MTTA and MTTR are means, P50 and P90 nearest-rank percentiles.")
}

// human renders a duration for people: "45s", "4m05s", "2h03m", "3d04h";
// "-" when nothing was measured.
func human(count int, d time.Duration) string {
	if count == 0 {
		return "-"
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

func orNone(name string) string {
	if name == "" {
		return "(none)"
	}
	return name
}

// shorten cuts a name to maxNameWidth characters.
func shorten(name string) string {
	runes := []rune(name)
	if len(runes) <= maxNameWidth {
		return name
	}
	return string(runes[:maxNameWidth-3]) + "..."
}
