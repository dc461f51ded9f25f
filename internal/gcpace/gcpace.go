// Package gcpace paces the Go garbage collector for a process whose live
// heap is small but whose latency matters: Klaxon's heap is its open
// incidents, often a few megabytes, while every webhook and page allocates.
// With the runtime's default (GOGC=100) such a heap is collected many times
// a second, and each collection's marking takes CPU from the webhooks and
// pages in flight. Start lets the heap grow by at least a floor between
// collections (by the live heap when that is more, as GOGC=100 does), so a
// small heap is collected a few times a minute and a large one as usual.
package gcpace

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// Percent returns the GOGC that lets a live heap of live bytes grow by
// floor bytes, or by itself when that is more, before the next collection.
func Percent(live, floor uint64) int {
	if live == 0 || floor <= live {
		return 100
	}
	return int(min(floor*100/live, 100_000))
}

// Pacer sets GOGC after each collection from the live heap it left.
type Pacer struct {
	floor   uint64
	onPace  func(percent int)
	mu      sync.Mutex
	stopped bool
	initial int
}

// Start paces the collector with floor until Stop. It does nothing, and
// returns nil, when the environment sets GOGC or GOMEMLIMIT: the operator's
// choice stands. onPace, if not nil, is told each GOGC set.
func Start(floor uint64, onPace func(percent int)) *Pacer {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	p := &Pacer{floor: floor, onPace: onPace}
	p.initial = debug.SetGCPercent(Percent(liveHeap(), floor))
	p.watch()
	return p
}

// Stop ends the pacing and restores the GOGC that was in force.
func (p *Pacer) Stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	debug.SetGCPercent(p.initial)
}

// watch arranges for pace to run after the next collection: a cleanup of
// an object nothing refers to runs once a collection has found it
// unreachable.
func (p *Pacer) watch() {
	sentinel := new([16]byte) // not a tiny allocation: its own slot
	runtime.AddCleanup(sentinel, func(p *Pacer) { p.pace() }, p)
}

func (p *Pacer) pace() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	percent := Percent(liveHeap(), p.floor)
	debug.SetGCPercent(percent)
	if p.onPace != nil {
		p.onPace(percent)
	}
	p.watch()
}

// liveHeap returns the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
