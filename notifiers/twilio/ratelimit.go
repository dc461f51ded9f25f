package twilio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/klaxonhq/klaxon/engine"
)

// numberPool paces the sender numbers: each has a token bucket of its own
// rate and a burst of one, shared by its SMS and its calls. A send takes the
// number whose next slot comes first and waits for that slot; nothing is
// ever dropped.
type numberPool struct {
	clock engine.Clock

	mu       sync.Mutex
	numbers  []string
	limiters []*rate.Limiter
	next     int // where the search for a free number starts, so ties go in turn
}

// newNumberPool returns a pool of numbers, each allowed perSecond sends.
func newNumberPool(numbers []string, perSecond float64, clock engine.Clock) *numberPool {
	p := &numberPool{clock: clock, numbers: append([]string(nil), numbers...)}
	for range numbers {
		p.limiters = append(p.limiters, rate.NewLimiter(rate.Limit(perSecond), 1))
	}
	return p
}

// take waits for the number whose next slot comes first and returns it,
// and whether it had to wait. When ctx ends first the slot is given back
// and the error wraps ctx's.
func (p *numberPool) take(ctx context.Context) (number string, waited bool, err error) {
	now := p.clock.Now()
	number, r := p.reserve(now)
	wait := r.DelayFrom(now)
	if wait <= 0 {
		return number, false, nil
	}
	select {
	case <-p.clock.Until(now.Add(wait)):
		return number, true, nil
	case <-ctx.Done():
		r.CancelAt(p.clock.Now())
		return "", true, fmt.Errorf("wait %s for a free sender number (messages_per_second): %w", wait.Round(time.Millisecond), ctx.Err())
	}
}

// reserve picks, at now, the number whose next slot comes first (the next
// in turn among equals) and reserves that slot.
func (p *numberPool) reserve(now time.Time) (string, *rate.Reservation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	best, bestWait := -1, time.Duration(0)
	for k := range p.numbers {
		i := (p.next + k) % len(p.numbers)
		if w := slotWait(p.limiters[i], now); best < 0 || w < bestWait {
			best, bestWait = i, w
		}
	}
	p.next = (best + 1) % len(p.numbers)
	return p.numbers[best], p.limiters[best].ReserveN(now, 1)
}

// slotWait is how long after now l has a token free.
func slotWait(l *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - l.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(l.Limit()) * float64(time.Second))
}
