package embedded

import (
	"container/heap"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// timerQueue holds timers by ID and orders them by when they can next run.
type timerQueue struct {
	byID map[string]*queued
	heap timerHeap
}

type queued struct {
	t     *engine.Timer
	index int
}

type timerHeap []*queued

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].t.NextRun().Before(h[j].t.NextRun()) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	q := x.(*queued)
	q.index = len(*h)
	*h = append(*h, q)
}
func (h *timerHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return q
}

func newTimerQueue() timerQueue { return timerQueue{byID: map[string]*queued{}} }

func (q *timerQueue) get(id string) *engine.Timer {
	if e, ok := q.byID[id]; ok {
		return e.t
	}
	return nil
}

// put adds t or replaces the timer with its ID.
func (q *timerQueue) put(t *engine.Timer) {
	if e, ok := q.byID[t.ID]; ok {
		e.t = t
		heap.Fix(&q.heap, e.index)
		return
	}
	e := &queued{t: t}
	q.byID[t.ID] = e
	heap.Push(&q.heap, e)
}

func (q *timerQueue) remove(id string) {
	if e, ok := q.byID[id]; ok {
		heap.Remove(&q.heap, e.index)
		delete(q.byID, id)
	}
}

func (q *timerQueue) peek() *engine.Timer {
	if len(q.heap) == 0 {
		return nil
	}
	return q.heap[0].t
}

// due returns up to max timers that can run at now.
func (q *timerQueue) due(now time.Time, max int) []*engine.Timer {
	var out []*engine.Timer
	// Walk the heap breadth-first, pruning subtrees that are not due.
	stack := []int{0}
	for len(stack) > 0 && len(out) < max {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i >= len(q.heap) || q.heap[i].t.NextRun().After(now) {
			continue
		}
		out = append(out, q.heap[i].t)
		stack = append(stack, 2*i+2, 2*i+1)
	}
	return out
}
