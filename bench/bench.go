package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/bench/target"
)

// bench is one scenario's run: its options, its work directory, the
// Alertmanager it found, and the figures it measured.
type bench struct {
	opts    options
	out     io.Writer
	command string
	dir     string
	runs    int // directories made, to number them

	amBin, amVersion string
	cpuProfiled      bool
	figures          []figure
}

func newBench(opts options, args []string, out io.Writer) (*bench, error) {
	dir, err := os.MkdirTemp("", "klaxon-bench-")
	if err != nil {
		return nil, err
	}
	return &bench{opts: opts, out: out, dir: dir, command: "go run ./bench " + strings.Join(args, " ")}, nil
}

// run prints the machine, runs the scenario and prints its summary.
func (b *bench) run(ctx context.Context, sc scenario) error {
	b.printf("# %s\n# %s\n# machine: %d CPUs, %s %s/%s; klaxon %s; work directory %s\n",
		b.command, sc.about, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, revision(), b.dir)
	b.checkLoad("start")
	err := sc.run(ctx, b)
	b.checkLoad("end")
	if ctx.Err() != nil {
		err = errors.Join(err, fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	b.summary()
	return err
}

// checkLoad prints the load average and warns when other work is running:
// the figures then measure a shared machine.
func (b *bench) checkLoad(when string) {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return
	}
	b.printf("# load average (1 min) at the %s: %s", when, fields[0])
	if load, err := strconv.ParseFloat(fields[0], 64); err == nil && when == "start" && load > 1 {
		b.printf(": other work may be running on this machine and skew the figures")
	}
	b.printf("\n")
}

// revision names the commit of the work tree the bench runs in, with a +
// when it has changes not committed.
func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(unknown commit)"
	}
	rev := strings.TrimSpace(string(out))
	if status, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(status) > 0 {
		rev += "+"
	}
	return rev
}

// close writes the allocation profile and removes the work directory.
func (b *bench) close() error {
	var err error
	if b.opts.memprofile != "" {
		err = writeProfile(b.opts.memprofile, "allocs")
	}
	if b.opts.keep {
		b.printf("# kept %s\n", b.dir)
		return err
	}
	return errors.Join(err, os.RemoveAll(b.dir))
}

func (b *bench) printf(format string, args ...any) { fmt.Fprintf(b.out, format, args...) }

func (b *bench) log(msg string) { b.printf("# %s\n", msg) }

// newDir makes a fresh directory for one run of one side.
func (b *bench) newDir(name string) (string, error) {
	b.runs++
	dir := filepath.Join(b.dir, fmt.Sprintf("%02d-%s", b.runs, name))
	return dir, os.MkdirAll(dir, 0o755)
}

// alertmanager returns Alertmanager's path, installing it on first use,
// and prints its version once.
func (b *bench) alertmanager(ctx context.Context) (string, error) {
	if b.amBin != "" {
		return b.amBin, nil
	}
	bin, version, err := target.InstallAlertmanager(ctx, b.log)
	if err != nil {
		return "", err
	}
	b.amBin, b.amVersion = bin, version
	b.printf("# anchor: Alertmanager %s (%s)\n", version, bin)
	return bin, nil
}

// startAlertmanager starts a fresh Alertmanager in a new directory.
func (b *bench) startAlertmanager(ctx context.Context) (*target.Alertmanager, error) {
	bin, err := b.alertmanager(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := b.newDir("alertmanager")
	if err != nil {
		return nil, err
	}
	return target.StartAlertmanager(ctx, bin, dir)
}

// klaxonRun is a Klaxon started for one run, with the fake Twilio and the
// redis-server it uses.
type klaxonRun struct {
	*target.Klaxon
	twilio *target.Twilio
	redis  *target.Redis
}

// startKlaxon starts Klaxon on store in a new directory, a fake Twilio
// calling onSMS, and for the Redis store a fresh redis-server. Klaxon's
// logs go to klaxon.log in the run's directory.
func (b *bench) startKlaxon(ctx context.Context, store string, onSMS func(to, body string, at time.Time)) (*klaxonRun, error) {
	dir, err := b.newDir("klaxon-" + store)
	if err != nil {
		return nil, err
	}
	k := &klaxonRun{}
	if store == "redis" {
		if k.redis, err = target.StartRedis(ctx, dir, b.log); err != nil {
			return nil, err
		}
	}
	if k.twilio, err = target.StartTwilio(onSMS); err != nil {
		k.stop()
		return nil, err
	}
	logger, err := fileLogger(filepath.Join(dir, "klaxon.log"))
	if err != nil {
		k.stop()
		return nil, err
	}
	opts := target.KlaxonOptions{Dir: dir, TwilioURL: k.twilio.URL(), Logger: logger}
	if k.redis != nil {
		opts.RedisURL = k.redis.URL()
	}
	if k.Klaxon, err = target.StartKlaxon(ctx, opts); err != nil {
		k.stop()
		return nil, err
	}
	return k, nil
}

// stop stops Klaxon, then its fake provider and its Redis, and collects
// the garbage it leaves so that the next run starts clean.
func (k *klaxonRun) stop() error {
	var err error
	if k.Klaxon != nil {
		err = k.Klaxon.Stop()
	}
	if k.twilio != nil {
		k.twilio.Stop()
	}
	if k.redis != nil {
		k.redis.Stop()
	}
	runtime.GC()
	return err
}

// fileLogger logs at warning level and above to path.
func fileLogger(path string) (*slog.Logger, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelWarn})), nil
}

// profiled runs measure, with the CPU profile on if one was asked for and
// not yet taken: the profile covers the first Klaxon measurement only.
func (b *bench) profiled(measure func() error) error {
	if b.opts.cpuprofile == "" || b.cpuProfiled {
		return measure()
	}
	b.cpuProfiled = true
	f, err := os.Create(b.opts.cpuprofile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	err = measure()
	pprof.StopCPUProfile()
	b.printf("# CPU profile of this run: %s (go tool pprof -top %s)\n", b.opts.cpuprofile, b.opts.cpuprofile)
	return err
}

// writeProfile writes the named runtime profile to path.
func writeProfile(path, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}

// alternate runs Klaxon's and Alertmanager's measurements in turn, each
// --runs times (K A K A ...), and returns each side's values.
func (b *bench) alternate(ctx context.Context, klaxon, am func(ctx context.Context, run int) (float64, error)) (ks, as []float64, err error) {
	for run := range b.opts.runs {
		k, err := klaxon(ctx, run)
		if err = cmp.Or(ctx.Err(), err); err != nil {
			return ks, as, fmt.Errorf("klaxon run %d: %w", run+1, err)
		}
		ks = append(ks, k)
		a, err := am(ctx, run)
		if err = cmp.Or(ctx.Err(), err); err != nil {
			return ks, as, fmt.Errorf("alertmanager run %d: %w", run+1, err)
		}
		as = append(as, a)
	}
	return ks, as, nil
}

// children are the processes a Klaxon run started: its redis-server.
func (k *klaxonRun) children() []child {
	if k.redis == nil {
		return nil
	}
	return []child{{"redis-server", k.redis.PID(), true}}
}
