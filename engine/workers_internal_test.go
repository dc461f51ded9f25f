package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every report of a finished worker that is waiting is taken at once, so
// that the claim after them asks for as many timers as workers are free.
func TestDrainTakesEveryFinishedWorker(t *testing.T) {
	finished := make(chan struct{}, 8)
	assert.Equal(t, 0, drain(finished))
	for range 3 {
		finished <- struct{}{}
	}
	assert.Equal(t, 3, drain(finished))
	assert.Empty(t, finished)
}
