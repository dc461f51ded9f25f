// Package recent keeps the entries used most recently, within a bound, in
// two generations: when the current generation is full it becomes the
// previous one, and the one before is dropped. An entry found in the
// previous generation moves back into the current one, so whatever is used
// again within about a generation stays.
package recent

// Map is a bounded map of the entries put or found most recently. It is not
// safe for concurrent use.
type Map[V any] struct {
	cur, prev map[string]V
	used      int // cost of cur
	limit     int
	cost      func(key string) int
}

// New returns a Map whose generations each hold entries of a total cost of
// at most limit; cost is an entry's, by its key.
func New[V any](limit int, cost func(key string) int) *Map[V] {
	return &Map[V]{cur: map[string]V{}, limit: limit, cost: cost}
}

// Get returns the value of key in m, if m holds it. It is a function rather
// than a method so that key may be a byte slice, looked up without being
// copied into a string.
func Get[V any, K ~string | ~[]byte](m *Map[V], key K) (V, bool) {
	if v, ok := m.cur[string(key)]; ok {
		return v, true
	}
	v, ok := m.prev[string(key)]
	if ok {
		m.Put(string(key), v)
	}
	return v, ok
}

// Put sets the value of key in the current generation, which becomes the
// previous one first if key would overfill it.
func (m *Map[V]) Put(key string, v V) {
	if _, ok := m.cur[key]; ok {
		m.cur[key] = v
		return
	}
	c := m.cost(key)
	if m.used+c > m.limit {
		m.prev, m.cur, m.used = m.cur, make(map[string]V, len(m.cur)), 0
	}
	m.cur[key] = v
	m.used += c
}
