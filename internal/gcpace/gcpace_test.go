package gcpace

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentLetsTheHeapGrowByTheFloorOrByItself(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{live: 8 * mib, floor: 128 * mib, want: 1600},
		{live: 100 * mib, floor: 128 * mib, want: 128},
		{live: 128 * mib, floor: 128 * mib, want: 100},
		{live: 2048 * mib, floor: 128 * mib, want: 100},
		{live: 0, floor: 128 * mib, want: 100},
		{live: 1, floor: 128 * mib, want: 100_000},
	} {
		assert.Equal(t, c.want, Percent(c.live, c.floor), "live %d", c.live)
	}
}

func TestTheEnvironmentsChoiceStands(t *testing.T) {
	t.Setenv("GOGC", "50")
	assert.Nil(t, Start(128<<20, nil))
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "1GiB")
	assert.Nil(t, Start(128<<20, nil))
}

// After each collection the pacer sets GOGC from the heap it left; Stop
// puts back what was in force.
func TestThePacerSetsGOGCAfterEachCollection(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	paced := make(chan int, 10)
	p := Start(1<<40, func(percent int) { paced <- percent }) // a floor far above any test's heap
	require.NotNil(t, p)
	for range 2 {
		runtime.GC()
		got := <-paced
		assert.Greater(t, got, 100)
		assert.Equal(t, got, debug.SetGCPercent(got), "GOGC is what the pacer set")
	}
	p.Stop()
	assert.Equal(t, 100, debug.SetGCPercent(100), "Stop restores GOGC")
}
