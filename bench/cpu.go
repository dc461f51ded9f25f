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
// For a child whose main thread runs all its commands (redis-server), it
// also reads that thread's time running and waiting for a core: a thread
// busy all the time bounds the run, however few cores it uses. It counts
// the bench process's garbage collections and the CPU they took too, which
// take from the latency of what runs in it.
type cpuMeter struct {
	// procs are the processes metered: the bench's own (pid 0) first.
	procs      []child
	start, end []procSample
	began      time.Time
	elapsed    time.Duration
	gcStart    gcSample
	gcEnd      gcSample
}

// procSample is one process's CPU time, and for a one-thread process its
// main thread's time running and waiting for a core; -1 for what could not
// be read.
type procSample struct {
	cpu, running, waiting time.Duration
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

// child names a child process to meter; oneThread says that its main
// thread runs all its commands.
type child struct {
	name      string
	pid       int
	oneThread bool
}

// meterCPU starts measuring this process and the children.
func meterCPU(children ...child) *cpuMeter {
	m := &cpuMeter{procs: append([]child{{"bench", 0, false}}, children...), began: time.Now()}
	m.start, m.gcStart = m.sample(), readGC()
	return m
}

// sample reads each process's times.
func (m *cpuMeter) sample() []procSample {
	out := make([]procSample, len(m.procs))
	for i, proc := range m.procs {
		p := procSample{cpu: -1, running: -1, waiting: -1}
		if t, err := target.CPUTime(proc.pid); err == nil {
			p.cpu = t
		}
		if proc.oneThread {
			if run, wait, err := target.MainThreadSched(proc.pid); err == nil {
				p.running, p.waiting = run, wait
			}
		}
		out[i] = p
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
	var cores, threads []string
	for i, proc := range m.procs {
		start, end := m.start[i], m.end[i]
		if start.cpu >= 0 && end.cpu >= 0 {
			cores = append(cores, fmt.Sprintf("%s %.2f", proc.name, m.share(end.cpu-start.cpu)))
		}
		if start.running >= 0 && end.running >= 0 {
			threads = append(threads, fmt.Sprintf("; %s's main thread: running %.2f, waiting for a core %.2f of the time",
				proc.name, m.share(end.running-start.running), m.share(end.waiting-start.waiting)))
		}
	}
	return fmt.Sprintf("cores used: %s%s; bench process: %d garbage collections, %.2f cores collecting",
		strings.Join(cores, ", "), strings.Join(threads, ""), m.gcEnd.cycles-m.gcStart.cycles,
		(m.gcEnd.cpu-m.gcStart.cpu)/m.elapsed.Seconds())
}

// share is d as a share of the span.
func (m *cpuMeter) share(d time.Duration) float64 { return d.Seconds() / m.elapsed.Seconds() }
