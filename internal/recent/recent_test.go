package recent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// holds reports whether m holds key, without moving it.
func holds[V any](m *Map[V], key string) bool {
	_, cur := m.cur[key]
	_, prev := m.prev[key]
	return cur || prev
}

func TestMapKeepsAboutTwoGenerations(t *testing.T) {
	m := New[string](10, func(key string) int { return len(key) })
	m.Put("aaaa", "a")
	m.Put("bbbb", "b")
	m.Put("cccc", "c")                // a and b become the previous generation
	got, ok := Get(m, []byte("aaaa")) // and a, found again, the current one's
	require.True(t, ok, "an entry of the previous generation is kept")
	assert.Equal(t, "a", got)

	m.Put("dddd", "d") // c and a are now the previous generation
	m.Put("eeee", "e") // d and e current, b dropped
	assert.False(t, holds(m, "bbbb"), "an entry two generations old is dropped")
	for _, key := range []string{"aaaa", "cccc", "dddd", "eeee"} {
		assert.True(t, holds(m, key), "%s is kept", key)
	}
}

func TestMapPutOfAKeyItHoldsReplacesItsValueAtNoCost(t *testing.T) {
	m := New[int](2, func(string) int { return 1 })
	m.Put("a", 1)
	m.Put("a", 2)
	m.Put("b", 3) // the generation's second entry: nothing moves
	assert.Empty(t, m.prev)
	v, ok := Get(m, "a")
	assert.True(t, ok)
	assert.Equal(t, 2, v)
}

func TestGetOfABytesKeyDoesNotAllocate(t *testing.T) {
	m := New[int](1<<20, func(key string) int { return len(key) })
	key := make([]byte, 400)
	m.Put(string(key), 1)
	assert.Zero(t, testing.AllocsPerRun(100, func() { Get(m, key) }))
}
