//go:build !race

package crashtest

// raceEnabled is false: the tests and the child run without the race
// detector.
const raceEnabled = false
