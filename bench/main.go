// Command bench measures Klaxon beside Prometheus Alertmanager on the same
// machine in the same run, for the performance targets of SPEC section 8.
//
//	go run ./bench <scenario> [flags]
//
// It starts what it measures itself: Klaxon in this process (embedded
// store in a temporary data directory, or the Redis store against a
// redis-server it starts), a fake Twilio, and Alertmanager (installed from
// the Debian package prometheus-alertmanager when missing). It alternates
// Klaxon and Alertmanager runs, prints each run and the median of each side
// with their ratio, and stops everything it started when it ends or is
// interrupted. See bench/README.md for the scenarios and the results.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/klaxonhq/klaxon/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopPacing := server.PaceGC() // Klaxon runs in this process, as klaxon serve runs it
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopPacing()
	stop()
	os.Exit(code)
}

// options are the flags every scenario takes; each scenario has its own
// defaults.
type options struct {
	duration    time.Duration
	connections int
	rate        float64
	batch       int
	store       string
	runs        int
	pending     int
	incidents   int
	set         int
	cpuprofile  string
	memprofile  string
	keep        bool
}

// scenario is one measurement the bench knows.
type scenario struct {
	name     string
	about    string
	defaults options
	run      func(ctx context.Context, b *bench) error
}

func scenarios() []scenario {
	return []scenario{
		{"ingest-new", "webhooks of --batch new alerts at --rate (0: as fast as possible): Klaxon vs Alertmanager alerts/s",
			options{duration: 10 * time.Second, connections: 8, batch: 10, store: "embedded", runs: 3}, ingestNew},
		{"ingest-dup", "the same --set webhooks of --batch alerts again and again (the alert storm): Klaxon vs Alertmanager alerts/s",
			options{duration: 10 * time.Second, connections: 8, batch: 10, set: 100, store: "embedded", runs: 3}, ingestDup},
		{"ingest-join", "webhooks of --batch new alerts all of one group, each joining the one incident it grows (the storm of one alertname): Klaxon vs Alertmanager alerts/s",
			options{duration: 10 * time.Second, connections: 8, batch: 10, store: "embedded", runs: 3}, ingestJoin},
		{"page-latency", "--rate new incidents a second, one alert per webhook: webhook sent -> fake provider accepts the first page",
			options{duration: 10 * time.Second, connections: 16, rate: 1000, batch: 1, store: "embedded,redis", runs: 3}, pageLatency},
		{"timers", "--pending escalation timers, firing --rate a second for --duration per run: lateness beside Go runtime timers",
			options{duration: 10 * time.Second, rate: 10000, batch: 1, pending: 1_000_000, store: "embedded", runs: 2}, timers},
		{"memory", "--incidents open incidents (1 alert, 1 timer each): heap (embedded), INFO memory (Redis) vs Alertmanager heap per alert",
			options{incidents: 100_000, batch: 1, store: "embedded,redis", runs: 2}, memory},
	}
}

// run parses the command line, runs one scenario and returns the exit
// status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	sc, ok := find(args[0])
	if !ok {
		fmt.Fprintf(stderr, "bench: unknown scenario %q\n", args[0])
		usage(stderr)
		return 2
	}
	opts, err := parseFlags(sc, args[1:], stderr)
	if err != nil {
		return 2
	}
	b, err := newBench(opts, args, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	err = b.run(ctx, sc)
	if cerr := b.close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func find(name string) (scenario, bool) {
	for _, sc := range scenarios() {
		if sc.name == name {
			return sc, true
		}
	}
	return scenario{}, false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: go run ./bench <scenario> [flags]\n\nscenarios:")
	for _, sc := range scenarios() {
		fmt.Fprintf(w, "  %-13s %s\n", sc.name, sc.about)
	}
	fmt.Fprintln(w, "\nflags (defaults differ per scenario: go run ./bench <scenario> -h):")
	fmt.Fprintln(w, "  --duration --connections --rate --batch --store embedded|redis|embedded,redis --runs")
	fmt.Fprintln(w, "  --pending (timers) --incidents (memory) --set (ingest-dup) --cpuprofile FILE --memprofile FILE --keep")
}

// parseFlags reads the flags after the scenario name over its defaults.
func parseFlags(sc scenario, args []string, stderr io.Writer) (options, error) {
	o := sc.defaults
	fs := flag.NewFlagSet("bench "+sc.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", o.duration, "how long each run sends load (timers: how long each run's timers fire)")
	fs.IntVar(&o.connections, "connections", o.connections, "connections sending at once")
	fs.Float64Var(&o.rate, "rate", o.rate, "requests a second (timers: fires a second); 0 sends as fast as possible")
	fs.IntVar(&o.batch, "batch", o.batch, "alerts per webhook")
	fs.StringVar(&o.store, "store", o.store, "Klaxon's store: embedded, redis, or both comma-separated")
	fs.IntVar(&o.runs, "runs", o.runs, "runs of each side, alternating Klaxon and Alertmanager")
	fs.IntVar(&o.pending, "pending", o.pending, "timers: escalation timers pending")
	fs.IntVar(&o.incidents, "incidents", o.incidents, "memory: open incidents (and Alertmanager alerts) to measure")
	fs.IntVar(&o.set, "set", o.set, "ingest-dup: distinct webhooks repeated")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the first Klaxon run's measurement to FILE")
	fs.StringVar(&o.memprofile, "memprofile", "", "write an allocation profile of the bench process to FILE at the end")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (logs, data) instead of removing it")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return o, err
	}
	return o, nil
}

// check rejects options no run can honour.
func (o *options) check() error {
	for _, s := range o.stores() {
		if s != "embedded" && s != "redis" {
			return fmt.Errorf("--store: %q is not embedded or redis", s)
		}
	}
	switch {
	case o.runs < 1:
		return fmt.Errorf("--runs: must be at least 1")
	case o.batch < 1:
		return fmt.Errorf("--batch: must be at least 1")
	case o.connections < 0 || o.rate < 0 || o.duration < 0:
		return fmt.Errorf("--connections, --rate and --duration must not be negative")
	}
	return nil
}

// stores lists the stores --store names.
func (o *options) stores() []string {
	var out []string
	for s := range strings.SplitSeq(o.store, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
