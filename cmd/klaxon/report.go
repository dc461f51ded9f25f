package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/common/model"

	"github.com/klaxonhq/klaxon/reports"
	"github.com/klaxonhq/klaxon/server"
)

// reportTimeout bounds how long klaxon report reads the store.
const reportTimeout = time.Minute

// reportFlags are the flags of klaxon report.
type reportFlags struct {
	since, until *string
	json         *bool
}

// addReportFlags defines the flags of klaxon report on fs.
func addReportFlags(fs *flag.FlagSet) *reportFlags {
	return &reportFlags{
		since: fs.String("since", "30d", "start of the report: a duration before --until (30d, 7d, 12h) or an RFC 3339 time"),
		until: fs.String("until", "", "end of the report, not included: an RFC 3339 time (default now)"),
		json:  fs.Bool("json", false, "print the report as JSON, as GET /v1/reports answers it"),
	}
}

// report prints the report on the incidents opened in [--since, --until),
// read from the store the configuration names.
func report(ctx context.Context, path string, f *reportFlags, now time.Time, stdout, stderr io.Writer) int {
	since, until, err := reportWindow(*f.since, *f.until, now)
	if err != nil {
		fmt.Fprintln(stderr, "klaxon report:", err)
		return 2
	}
	cfg, _, err := server.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	store, err := server.OpenStore(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "klaxon report: open store: %v\n", err)
		if cfg.Redis == nil {
			fmt.Fprintln(stderr, "klaxon report: the embedded store is locked while klaxon serve runs; ask the server instead: GET /v1/reports")
		}
		return 1
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	list, err := reports.Incidents(ctx, store, since, until)
	if err != nil {
		fmt.Fprintln(stderr, "klaxon report:", err)
		return 1
	}
	return printReport(reports.Build(list, nil, since, until), *f.json, stdout, stderr)
}

func printReport(r reports.Report, asJSON bool, stdout, stderr io.Writer) int {
	var err error
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "klaxon report:", err)
		return 1
	}
	return 0
}

// reportWindow reads --since (a duration before until, or an RFC 3339 time)
// and --until (an RFC 3339 time; empty is now).
func reportWindow(sinceText, untilText string, now time.Time) (since, until time.Time, err error) {
	until = now
	if untilText != "" {
		if until, err = time.Parse(time.RFC3339, untilText); err != nil {
			return since, until, fmt.Errorf("--until: want an RFC 3339 time, got %q", untilText)
		}
	}
	if since, err = time.Parse(time.RFC3339, sinceText); err != nil {
		d, derr := model.ParseDuration(sinceText)
		if derr != nil || d <= 0 {
			return since, until, fmt.Errorf("--since: want a duration such as 30d or an RFC 3339 time, got %q", sinceText)
		}
		since = until.Add(-time.Duration(d))
	}
	if !since.Before(until) {
		return since, until, fmt.Errorf("--since: %s is not before --until %s", since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	return since, until, nil
}
