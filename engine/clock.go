package engine

import "time"

// Clock tells the time and waits. The engine and everything it calls take
// time from a Clock so that tests can move it.
type Clock interface {
	Now() time.Time
	// Until returns a channel that receives once the clock reaches t. A
	// wait is given as an instant, not a duration, so that time passing
	// between reading the clock and starting to wait is not waited twice.
	Until(t time.Time) <-chan time.Time
}

// SystemClock is the machine's clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Until waits for t on the machine's clock.
func (SystemClock) Until(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }
