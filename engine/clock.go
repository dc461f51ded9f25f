package engine

import "time"

// Clock tells the time and waits. The engine and everything it calls take
// time from a Clock so that tests can move it.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// After waits for d on the machine's clock.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
