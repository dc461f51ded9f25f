// Command klaxon is Klaxon's single binary: `klaxon serve` runs the paging
// core, `klaxon check` validates a configuration and its rosters.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/klaxonhq/klaxon/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: klaxon <command> [flags]

commands:
  serve    [--config klaxon.yaml]                     run Klaxon
  check    [--config klaxon.yaml]                     validate the configuration and every roster file
  oncall   [--config klaxon.yaml] [--at TIME] [--team T]  who is on call in every rotation, and the next handoffs
  report   [--config klaxon.yaml] [--since 30d|TIME] [--until TIME] [--json]  incidents, MTTA/MTTR, top alerts
`

// run runs one klaxon command and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("klaxon "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "klaxon.yaml", "path to klaxon.yaml")
	var at, team *string
	if args[0] == "oncall" {
		at = fs.String("at", "", "the time to answer for: RFC 3339, or YYYY-MM-DD HH:MM in UTC (default now)")
		team = fs.String("team", "", "only this team's rotations")
	}
	var rep *reportFlags
	if args[0] == "report" {
		rep = addReportFlags(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, *configPath, stderr)
	case "check":
		return check(*configPath, stdout, stderr)
	case "oncall":
		return oncall(*configPath, *at, *team, time.Now(), stdout, stderr)
	case "report":
		return report(ctx, *configPath, rep, time.Now(), stdout, stderr)
	}
	fmt.Fprintf(stderr, "klaxon: unknown command %q\n%s", args[0], usage)
	return 2
}

func check(path string, stdout, stderr io.Writer) int {
	cfg, rs, err := server.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d integrations, %d services in %s)\n", path, len(cfg.Integrations), len(rs.Services()), cfg.Rosters)
	return 0
}

func serve(ctx context.Context, path string, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, rs, err := server.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	srv, err := server.New(cfg, rs, server.Options{Logger: log})
	if err != nil {
		log.Error("klaxon cannot start", "err", err)
		return 1
	}
	defer srv.Close()
	defer server.PaceGC()()
	go reloadOnHangup(ctx, path, srv, log)
	ln, err := server.Listen(cfg)
	if err != nil {
		log.Error("klaxon cannot listen", "addr", cfg.Listen, "err", err)
		return 1
	}
	if err := srv.Run(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("klaxon stopped", "err", err)
		return 1
	}
	return 0
}

// reloadOnHangup reloads the configuration and rosters on SIGHUP. An
// invalid new version is reported and the one in force is kept.
func reloadOnHangup(ctx context.Context, path string, srv *server.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if err := srv.Reload(path); err != nil {
			log.Error("reload refused; keeping the configuration in force", "err", err)
			continue
		}
		log.Info("reloaded the configuration and rosters", "config", path)
	}
}
