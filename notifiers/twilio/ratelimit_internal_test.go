package twilio

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/klaxonhq/klaxon/engine"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// slot is one reservation: the number and how long after the send it goes.
type slot struct {
	number string
	wait   time.Duration
}

// reserveAt reserves n slots at the instant at and returns them in order.
func reserveAt(p *numberPool, at time.Time, n int) []slot {
	var out []slot
	for range n {
		number, r := p.reserve(at)
		out = append(out, slot{number, r.DelayFrom(at)})
	}
	return out
}

func TestNumberPoolQueuesTwentyPagesOverTwentySeconds(t *testing.T) {
	p := newNumberPool([]string{"+15550001111"}, 1, engine.SystemClock{})
	got := reserveAt(p, t0, 20)
	for i, s := range got {
		assert.Equal(t, "+15550001111", s.number)
		assert.Equal(t, time.Duration(i)*time.Second, s.wait, "page %d", i+1)
	}
	assert.Len(t, got, 20, "none is dropped")
}

func TestNumberPoolTakesTheNumberFreeFirst(t *testing.T) {
	p := newNumberPool([]string{"A", "B"}, 1, engine.SystemClock{})
	assert.Equal(t, []slot{{"A", 0}, {"B", 0}, {"A", time.Second}, {"B", time.Second}, {"A", 2 * time.Second}},
		reserveAt(p, t0, 5))
}

func TestNumberPoolPrefersTheNumberThatRested(t *testing.T) {
	p := newNumberPool([]string{"A", "B"}, 1, engine.SystemClock{})
	reserveAt(p, t0, 1)                           // A
	reserveAt(p, t0.Add(600*time.Millisecond), 1) // B
	// At t0+1s A has a full token again and B is 400ms short of one.
	assert.Equal(t, []slot{{"A", 0}, {"B", 600 * time.Millisecond}}, reserveAt(p, t0.Add(time.Second), 2))
}

func TestNumberPoolHonoursFractionalRates(t *testing.T) {
	p := newNumberPool([]string{"A"}, 0.5, engine.SystemClock{})
	assert.Equal(t, []slot{{"A", 0}, {"A", 2 * time.Second}, {"A", 4 * time.Second}}, reserveAt(p, t0, 3))
}

func TestNumberPoolDoesNotBankIdleTime(t *testing.T) {
	p := newNumberPool([]string{"A"}, 1, engine.SystemClock{})
	reserveAt(p, t0, 1)
	// An hour idle buys one send at once, not a burst.
	assert.Equal(t, []slot{{"A", 0}, {"A", time.Second}}, reserveAt(p, t0.Add(time.Hour), 2))
}

func TestNumberPoolCancelGivesTheSlotBack(t *testing.T) {
	p := newNumberPool([]string{"A"}, 1, engine.SystemClock{})
	reserveAt(p, t0, 1)
	_, r := p.reserve(t0)
	assert.Equal(t, time.Second, r.DelayFrom(t0))
	r.CancelAt(t0)
	assert.Equal(t, []slot{{"A", time.Second}}, reserveAt(p, t0, 1), "the cancelled slot is free again")
}
