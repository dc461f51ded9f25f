package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/klaxonhq/klaxon/bench/load"
	"github.com/klaxonhq/klaxon/bench/payload"
	"github.com/klaxonhq/klaxon/bench/target"
)

// warmRequests is how many requests of new alerts each side is sent before
// a measurement, to open the connections and reach a steady state.
const warmRequests = 200

// workload is what an ingest run sends both sides: requests sent before
// measuring, and the alerts of measured request i.
type workload struct {
	warm   [][]payload.Alert
	alerts func(i int) []payload.Alert
}

// format turns alerts into one side's body: a webhook for Klaxon, an API
// v2 array for Alertmanager.
type format func(dst []byte, alerts []payload.Alert) []byte

// newAlerts is ingest-new's workload: every request a new group of --batch
// alerts, as Alertmanager sends a new group's first notification.
func (b *bench) newAlerts() workload {
	w := workload{alerts: func(i int) []payload.Alert { return payload.Group(fmt.Sprintf("New%08d", i), b.opts.batch) }}
	for i := range warmRequests {
		w.warm = append(w.warm, payload.Group(fmt.Sprintf("Warm%05d", i), b.opts.batch))
	}
	return w
}

// dupAlerts is ingest-dup's workload: --set groups of --batch alerts sent
// once before measuring, then again and again, as Alertmanager re-sends
// firing groups at every repeat_interval and both members of an HA pair
// send the same.
func (b *bench) dupAlerts() workload {
	set := max(b.opts.set, 1)
	w := workload{}
	for i := range set {
		w.warm = append(w.warm, payload.Group(fmt.Sprintf("Dup%05d", i), b.opts.batch))
	}
	w.alerts = func(i int) []payload.Alert { return w.warm[i%set] }
	return w
}

// joinAlerts is ingest-join's workload: every request --batch new alerts of
// one group, the storm of one alertname across a fleet, so that each joins
// the one incident the first opened (and Alertmanager's one aggregation
// group). The incident grows by every alert sent.
func (b *bench) joinAlerts() workload {
	storm := func(request int) []payload.Alert {
		return payload.GroupFrom("Storm", request*b.opts.batch, b.opts.batch)
	}
	w := workload{alerts: func(i int) []payload.Alert { return storm(warmRequests + i) }}
	for i := range warmRequests {
		w.warm = append(w.warm, storm(i))
	}
	return w
}

func ingestNew(ctx context.Context, b *bench) error {
	return b.ingest(ctx, "ingest-new", b.newAlerts())
}

func ingestDup(ctx context.Context, b *bench) error {
	return b.ingest(ctx, "ingest-dup", b.dupAlerts())
}

func ingestJoin(ctx context.Context, b *bench) error {
	return b.ingest(ctx, "ingest-join", b.joinAlerts())
}

// ingest measures w against Klaxon on each store and against Alertmanager,
// alternating, and records alerts/s for each store.
func (b *bench) ingest(ctx context.Context, name string, w workload) error {
	for _, store := range b.opts.stores() {
		ks, as, err := b.alternate(ctx,
			func(ctx context.Context, run int) (float64, error) { return b.ingestKlaxon(ctx, store, run, w) },
			func(ctx context.Context, run int) (float64, error) { return b.ingestAlertmanager(ctx, run, w) })
		if err != nil {
			return err
		}
		f := figure{what: fmt.Sprintf("%s, %d alerts/webhook, %s store", name, b.opts.batch, store), unit: "alerts/s",
			klaxon: median(ks), anchor: median(as), anchorName: "Alertmanager " + b.amVersion}
		if want, ok := ingestTarget(name, store); ok {
			f.target, f.met = fmt.Sprintf(">= %gx", want), f.ratio() >= want
		}
		b.add(f)
	}
	return nil
}

// ingestTarget is SPEC section 8's ratio for an ingest figure; false for
// ingest-join, which it sets none for.
func ingestTarget(name, store string) (float64, bool) {
	switch {
	case name == "ingest-join":
		return 0, false
	case name == "ingest-dup":
		return 4, true
	case store == "redis":
		return 1, true
	}
	return 3, true
}

// ingestKlaxon runs one measurement against a fresh Klaxon.
func (b *bench) ingestKlaxon(ctx context.Context, store string, run int, w workload) (float64, error) {
	k, err := b.startKlaxon(ctx, store, nil)
	if err != nil {
		return 0, err
	}
	defer k.stop()
	header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + target.KlaxonToken}}
	var res load.Result
	var cpu *cpuMeter
	err = b.profiled(func() error {
		var err error
		res, cpu, err = b.send(ctx, k.AlertsURL(), header, payload.Webhook, w, k.children()...)
		return err
	})
	if err != nil {
		return 0, err
	}
	return b.report(fmt.Sprintf("klaxon %s run %d", store, run+1), res,
		fmt.Sprintf("%d pages sent; %s", k.twilio.Accepted(), cpu)), nil
}

// ingestAlertmanager runs one measurement against a fresh Alertmanager.
func (b *bench) ingestAlertmanager(ctx context.Context, run int, w workload) (float64, error) {
	am, err := b.startAlertmanager(ctx)
	if err != nil {
		return 0, err
	}
	defer am.Stop()
	header := http.Header{"Content-Type": {"application/json"}}
	res, cpu, err := b.send(ctx, am.AlertsURL(), header, payload.APIv2, w, child{"alertmanager", am.PID(), false})
	if err != nil {
		return 0, err
	}
	return b.report(fmt.Sprintf("alertmanager run %d", run+1), res, cpu.String()), nil
}

// send sends w's warm-up requests, then measures w's requests for
// --duration, metering the CPU of the bench and of children meanwhile.
func (b *bench) send(ctx context.Context, url string, header http.Header, f format, w workload, children ...child) (load.Result, *cpuMeter, error) {
	warm, err := load.Run(ctx, load.Config{URL: url, Header: header, Connections: b.opts.connections,
		MaxRequests: len(w.warm), Duration: 5 * time.Minute,
		Body: func(i int) []byte { return f(nil, w.warm[i]) }})
	if err != nil {
		return load.Result{}, nil, err
	}
	if warm.Errors > 0 || warm.OK != len(w.warm) {
		return load.Result{}, nil, fmt.Errorf("warm-up: %d of %d requests failed (first: %s)", warm.Errors, len(w.warm), warm.FirstError)
	}
	cpu := meterCPU(children...)
	res, err := load.Run(ctx, load.Config{URL: url, Header: header, Connections: b.opts.connections,
		Rate: b.opts.rate, Duration: b.opts.duration,
		Body: func(i int) []byte { return f(make([]byte, 0, 512*b.opts.batch), w.alerts(i)) }})
	cpu.stop()
	return res, cpu, err
}

// report prints one run and returns its alerts/s. A run with errors still
// counts only the accepted alerts.
func (b *bench) report(name string, res load.Result, extra string) float64 {
	alerts := res.PerSecond() * float64(b.opts.batch)
	b.printf("%-26s %8.0f alerts/s  %s", name, alerts, res)
	if extra != "" {
		b.printf("; %s", extra)
	}
	b.printf("\n")
	return alerts
}
