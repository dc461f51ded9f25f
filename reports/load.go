package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// Lister is the part of engine.Store a report reads.
type Lister interface {
	Incidents(ctx context.Context, f engine.IncidentFilter) ([]engine.Incident, error)
}

// pageSize is how many incidents one read asks the store for.
const pageSize = 500

// Incidents reads every incident opened in [since, until) from the store, a
// page at a time, newest first; a zero bound does not bound. Timelines and
// pages are dropped: a report does not use them, and a month of them is big.
func Incidents(ctx context.Context, store Lister, since, until time.Time) ([]engine.Incident, error) {
	out := []engine.Incident{}
	f := engine.IncidentFilter{Since: since, Limit: pageSize}
	for {
		page, err := store.Incidents(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		for _, inc := range page {
			if inWindow(inc.OpenedAt, since, until) {
				inc.Timeline, inc.Pages = nil, nil
				out = append(out, inc)
			}
		}
		if len(page) < pageSize {
			return out, nil
		}
		f.Before = page[len(page)-1].Number
	}
}
