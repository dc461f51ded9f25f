package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/klaxonhq/klaxon/bench/load"
	"github.com/klaxonhq/klaxon/bench/payload"
)

// memoryBatch is how many incidents (or Alertmanager alerts) are stored per
// call while filling.
const memoryBatch = 1000

// groupsSettle bounds how long Alertmanager's dispatcher may take to make
// a group of every alert posted.
const groupsSettle = 60 * time.Second

func memory(ctx context.Context, b *bench) error {
	if b.opts.incidents <= 0 {
		return fmt.Errorf("memory needs --incidents above 0")
	}
	for _, kind := range b.opts.stores() {
		measure := b.heapPerIncident
		if kind == "redis" {
			measure = b.redisPerIncident
		}
		ks, as, err := b.alternate(ctx, measure, b.alertmanagerPerAlert)
		if err != nil {
			return err
		}
		f := figure{what: fmt.Sprintf("memory per open incident (1 alert, 1 timer), %d incidents, %s store", b.opts.incidents, kind),
			unit: "B", klaxon: median(ks), anchor: median(as), anchorName: "Alertmanager " + b.amVersion + " heap per alert"}
		if kind == "redis" {
			f.target, f.met = "<= 512 B in Redis", f.klaxon <= 512
		} else {
			f.target, f.met = "<= 0.5x", f.ratio() <= 0.5
		}
		b.add(f)
	}
	return nil
}

// heapPerIncident opens --incidents incidents in a fresh embedded store,
// with no engine running so each keeps its one pending escalation timer,
// and returns the growth of the Go heap in use per incident, after
// collecting garbage before and after.
func (b *bench) heapPerIncident(ctx context.Context, run int) (float64, error) {
	s, err := b.openStore(ctx, "embedded")
	if err != nil {
		return 0, err
	}
	defer s.close()
	before := heapInuse()
	if err := b.fill(ctx, s, "Mem", b.opts.incidents, memoryBatch, time.Now()); err != nil {
		return 0, err
	}
	busy := heapInuse()
	// The store copies its log into its data file in the background: the
	// incidents' memory is what is left once that is done.
	time.Sleep(storeSettle)
	after := heapInuse()
	runtime.KeepAlive(s)
	per := float64(int64(after)-int64(before)) / float64(b.opts.incidents)
	file := s.dataFileSize()
	b.printf("klaxon embedded run %d: heap in use %d -> %d MiB (%d MiB right after the last ingest, %s earlier): %.0f B per incident; data file %.0f B per incident\n",
		run+1, before>>20, after>>20, busy>>20, storeSettle, per, float64(file)/float64(b.opts.incidents))
	return per, nil
}

// redisPerIncident opens --incidents incidents in a fresh Redis store and
// returns the growth of Redis's used_memory per incident.
func (b *bench) redisPerIncident(ctx context.Context, run int) (float64, error) {
	s, err := b.openStore(ctx, "redis")
	if err != nil {
		return 0, err
	}
	defer s.close()
	before, err := s.redis.UsedMemory(ctx)
	if err != nil {
		return 0, err
	}
	if err := b.fill(ctx, s, "Mem", b.opts.incidents, memoryBatch, time.Now()); err != nil {
		return 0, err
	}
	after, err := s.redis.UsedMemory(ctx)
	if err != nil {
		return 0, err
	}
	per := float64(after-before) / float64(b.opts.incidents)
	b.printf("klaxon redis run %d: used_memory %d -> %d MiB: %.0f B per incident\n", run+1, before>>20, after>>20, per)
	return per, nil
}

// alertmanagerPerAlert posts --incidents alerts, each its own group as
// each is its own incident in Klaxon, to a fresh Alertmanager, waits for
// its dispatcher to group them all, and returns the growth of its heap in
// use per alert, after collecting garbage before and after.
func (b *bench) alertmanagerPerAlert(ctx context.Context, run int) (float64, error) {
	am, err := b.startAlertmanager(ctx)
	if err != nil {
		return 0, err
	}
	defer am.Stop()
	before, err := am.HeapInuse(ctx)
	if err != nil {
		return 0, err
	}
	n := b.opts.incidents
	requests := (n + memoryBatch - 1) / memoryBatch
	res, err := load.Run(ctx, load.Config{URL: am.AlertsURL(), Header: http.Header{"Content-Type": {"application/json"}},
		Connections: 2, MaxRequests: requests, Duration: 10 * time.Minute,
		Body: func(i int) []byte {
			return payload.APIv2(nil, singles("Mem", i*memoryBatch, min(memoryBatch, n-i*memoryBatch)))
		}})
	if err != nil {
		return 0, err
	}
	if res.OK != requests {
		return 0, fmt.Errorf("posting alerts: %d of %d requests failed (first: %s)", res.Errors, requests, res.FirstError)
	}
	groups := am.WaitGroups(ctx, n, groupsSettle)
	after, err := am.HeapInuse(ctx)
	if err != nil {
		return 0, err
	}
	per := (after - before) / float64(n)
	b.printf("alertmanager run %d: %d aggregation groups; heap in use %.0f -> %.0f MiB: %.0f B per alert\n",
		run+1, groups, before/(1<<20), after/(1<<20), per)
	return per, nil
}

// heapInuse collects garbage and returns the bytes of heap spans in use,
// as Alertmanager's go_memstats_heap_inuse_bytes counts them.
// storeSettle is how long the embedded store takes, at most, to copy its
// log into its data file after the last change (its checkpoint interval,
// doubled).
const storeSettle = 2 * time.Second

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
