package main

import (
	"fmt"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/bench/target"
)

// cpuMeter measures the CPU time that processes use over a span: the
// bench's own process (Klaxon in-process and the load generator) and the
// children it names, so that a report can say whether a run was bound by
// CPU (the machine's cores) or by waiting (fsync, a lock, a round trip).
// It also counts the bench process's garbage collections and the CPU they
// took, which take from the latency of what runs in it.
type cpuMeter struct {
	names      []string
	pids       []int
	start, end []time.Duration
	began      time.Time
	elapsed    time.Duration
	gcStart    gcSample
	gcEnd      gcSample
}

// gcSample is the bench process's garbage collections so far and the CPU
// the runtime estimates they took.
type gcSample struct {
	cycles uint64
	cpu    float64 // seconds
}

func readGC() gcSample {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	var out gcSample
	if s[0].Value.Kind() == metrics.KindUint64 {
		out.cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindFloat64 {
		out.cpu = s[1].Value.Float64()
	}
	return out
}

// child names a child process to meter.
type child struct {
	name string
	pid  int
}

// meterCPU starts measuring this process and the children.
func meterCPU(children ...child) *cpuMeter {
	m := &cpuMeter{names: []string{"bench"}, pids: []int{0}, began: time.Now()}
	for _, c := range children {
		m.names = append(m.names, c.name)
		m.pids = append(m.pids, c.pid)
	}
	m.start, m.gcStart = m.sample(), readGC()
	return m
}

// sample reads each process's CPU time; -1 for one that cannot be read.
func (m *cpuMeter) sample() []time.Duration {
	out := make([]time.Duration, len(m.pids))
	for i, pid := range m.pids {
		t, err := target.CPUTime(pid)
		if err != nil {
			t = -1
		}
		out[i] = t
	}
	return out
}

// stop ends the span.
func (m *cpuMeter) stop() {
	m.end, m.gcEnd, m.elapsed = m.sample(), readGC(), time.Since(m.began)
}

// String reports the cores each process used on average over the span.
func (m *cpuMeter) String() string {
	if m == nil || m.end == nil || m.elapsed <= 0 {
		return ""
	}
	parts := make([]string, 0, len(m.pids))
	for i := range m.pids {
		if m.start[i] >= 0 && m.end[i] >= 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f", m.names[i], (m.end[i]-m.start[i]).Seconds()/m.elapsed.Seconds()))
		}
	}
	return fmt.Sprintf("cores used: %s; bench process: %d garbage collections, %.2f cores collecting",
		strings.Join(parts, ", "), m.gcEnd.cycles-m.gcStart.cycles, (m.gcEnd.cpu-m.gcStart.cpu)/m.elapsed.Seconds())
}
