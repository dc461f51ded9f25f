package reports

import (
	"cmp"
	"slices"
)

// order says which count ranks a group first.
type order int

const (
	byIncidents order = iota // incidents, then alerts
	byAlerts                 // alerts, then incidents
)

// ranked lists the groups most first by the order, ties by name.
func ranked(m map[string]*Group, o order) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Group) int {
		if o == byAlerts {
			return cmpCounts(a.Alerts, b.Alerts, a.Incidents, b.Incidents, a.Name, b.Name)
		}
		return cmpCounts(a.Incidents, b.Incidents, a.Alerts, b.Alerts, a.Name, b.Name)
	})
	return out
}

// cmpCounts orders by the first count descending, then the second
// descending, then the name ascending.
func cmpCounts(a1, b1, a2, b2 int, aName, bName string) int {
	return cmp.Or(cmp.Compare(b1, a1), cmp.Compare(b2, a2), cmp.Compare(aName, bName))
}
