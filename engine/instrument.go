package engine

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// instrumentedStore times every call to a Store.
type instrumentedStore struct {
	Store
	latency *prometheus.HistogramVec
}

// instrument wraps s so that every operation's latency is observed.
func instrument(s Store, latency *prometheus.HistogramVec) Store {
	return &instrumentedStore{Store: s, latency: latency}
}

func (s *instrumentedStore) observe(op string, start time.Time) {
	s.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
}

func (s *instrumentedStore) Ingest(ctx context.Context, now time.Time, alerts []Classified) ([]IngestResult, error) {
	defer s.observe("ingest", time.Now())
	return s.Store.Ingest(ctx, now, alerts)
}

func (s *instrumentedStore) IngestAndEscalate(ctx context.Context, now time.Time, alerts []Classified, step FirstStep) ([]IngestResult, error) {
	defer s.observe("ingest", time.Now())
	return s.Store.IngestAndEscalate(ctx, now, alerts, step)
}

func (s *instrumentedStore) Acknowledge(ctx context.Context, now time.Time, key string, by Actor, ackTimeout time.Duration) (Incident, error) {
	defer s.observe("acknowledge", time.Now())
	return s.Store.Acknowledge(ctx, now, key, by, ackTimeout)
}

func (s *instrumentedStore) Resolve(ctx context.Context, now time.Time, key string, by Actor) (Incident, error) {
	defer s.observe("resolve", time.Now())
	return s.Store.Resolve(ctx, now, key, by)
}

func (s *instrumentedStore) Escalate(ctx context.Context, now time.Time, key string, by Actor) (Incident, error) {
	defer s.observe("escalate", time.Now())
	return s.Store.Escalate(ctx, now, key, by)
}

func (s *instrumentedStore) AddNote(ctx context.Context, key string, note Entry) (Incident, error) {
	defer s.observe("add_note", time.Now())
	return s.Store.AddNote(ctx, key, note)
}

func (s *instrumentedStore) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claimed, error) {
	defer s.observe("claim_due", time.Now())
	return s.Store.ClaimDue(ctx, now, lease, max)
}

func (s *instrumentedStore) Complete(ctx context.Context, now time.Time, c Completion) error {
	defer s.observe("complete", time.Now())
	return s.Store.Complete(ctx, now, c)
}

func (s *instrumentedStore) CompleteAndClaim(ctx context.Context, now time.Time, c Completion, lease time.Duration) (Claimed, error) {
	defer s.observe("complete", time.Now())
	return s.Store.CompleteAndClaim(ctx, now, c, lease)
}

func (s *instrumentedStore) Incident(ctx context.Context, key string) (Incident, error) {
	defer s.observe("read_incident", time.Now())
	return s.Store.Incident(ctx, key)
}

func (s *instrumentedStore) Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	defer s.observe("list_incidents", time.Now())
	return s.Store.Incidents(ctx, f)
}

func (s *instrumentedStore) Sync(ctx context.Context) error {
	defer s.observe("sync", time.Now())
	return s.Store.Sync(ctx)
}
