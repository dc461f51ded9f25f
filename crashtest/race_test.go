//go:build race

package crashtest

// raceEnabled builds the child with the race detector when the tests run
// with it, so that a data race in the real process fails them too.
const raceEnabled = true
