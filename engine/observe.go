package engine

import "time"

// otherService labels the response-time metrics of alerts whose service no
// roster names, so that the label's values stay a set the config bounds.
const otherService = "other"

// serviceLabel is a service's value for metric labels.
func (e *Engine) serviceLabel(service string) string {
	if _, ok := e.rosters.Load().Service(service); ok {
		return service
	}
	return otherService
}

// observeOpened records the time to detect of incidents an ingest opened.
func (e *Engine) observeOpened(now time.Time, batch []Classified, results []IngestResult) {
	for i, r := range results {
		if r.Outcome != OutcomeOpened {
			continue
		}
		ttd := time.Duration(0)
		if starts := batch[i].StartsAt; !starts.IsZero() && starts.Before(now) {
			ttd = now.Sub(starts)
		}
		e.metrics.TimeToDetect.WithLabelValues(r.Priority.String(), e.serviceLabel(batch[i].Service)).Observe(ttd.Seconds())
	}
}

// observeAcknowledged records the time to acknowledge of an incident's first
// acknowledgement.
func (e *Engine) observeAcknowledged(inc *Incident, now time.Time) {
	if inc.AckedAt.Equal(now) {
		e.metrics.TimeToAck.WithLabelValues(inc.Priority.String(), e.serviceLabel(inc.Service)).
			Observe(inc.AckedAt.Sub(inc.OpenedAt).Seconds())
	}
}

// observeResolved records the time to resolve of a resolved incident.
func (e *Engine) observeResolved(inc *Incident) {
	e.metrics.TimeToResolve.WithLabelValues(inc.Priority.String(), e.serviceLabel(inc.Service)).
		Observe(inc.ResolvedAt.Sub(inc.OpenedAt).Seconds())
}

// observePageSent records the latency of an incident's first page on each
// channel: from its first alert received to the provider's acceptance.
func (e *Engine) observePageSent(t *Timer, inc *Incident, now time.Time) {
	if t.Gen == 1 && t.Round == 0 && t.Step == 0 {
		e.metrics.PageLatency.WithLabelValues(string(t.Channel)).Observe(now.Sub(inc.OpenedAt).Seconds())
	}
}
