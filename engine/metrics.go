package engine

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the engine's Prometheus metrics. No label takes an incident
// key, a phone number or a fingerprint.
type Metrics struct {
	AlertsReceived     *prometheus.CounterVec
	AlertsDeduplicated *prometheus.CounterVec
	Events             *prometheus.CounterVec
	IncidentsOpened    *prometheus.CounterVec
	IncidentsResolved  *prometheus.CounterVec
	Pages              *prometheus.CounterVec
	Escalations        prometheus.Counter
	Exhausted          prometheus.Counter
	Unreachable        prometheus.Counter
	Acks               *prometheus.CounterVec
	TimerLag           prometheus.Histogram
}

// NewMetrics registers the engine's metrics with reg; a nil reg builds them
// unregistered.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	return &Metrics{
		AlertsReceived: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "alerts_received_total",
			Help: "Alerts received, by source."}, []string{"source"}),
		AlertsDeduplicated: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "alerts_deduplicated_total",
			Help: "Alerts received again that changed nothing but their count, by source."}, []string{"source"}),
		Events: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "events_total",
			Help: "Alerts recorded as events that page nobody, by reason."}, []string{"reason"}),
		IncidentsOpened: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "incidents_opened_total",
			Help: "Incidents opened, by priority."}, []string{"priority"}),
		IncidentsResolved: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "incidents_resolved_total",
			Help: "Incidents resolved because all their alerts resolved at the source, by priority."}, []string{"priority"}),
		Pages: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "pages_total",
			Help: "Page attempts, by channel and result (sent, retried, failed, unknown, cancelled)."}, []string{"channel", "result"}),
		Escalations: f.NewCounter(prometheus.CounterOpts{Namespace: "klaxon", Name: "escalations_total",
			Help: "Escalation steps that paged somebody."}),
		Exhausted: f.NewCounter(prometheus.CounterOpts{Namespace: "klaxon", Name: "escalations_exhausted_total",
			Help: "Incidents whose escalation policy ran out without an acknowledgement."}),
		Unreachable: f.NewCounter(prometheus.CounterOpts{Namespace: "klaxon", Name: "escalations_unreachable_total",
			Help: "Escalations in which no step reached anybody."}),
		Acks: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "acks_total",
			Help: "Acknowledgements, by channel."}, []string{"channel"}),
		TimerLag: f.NewHistogram(prometheus.HistogramOpts{Namespace: "klaxon", Name: "timer_lag_seconds",
			Help:    "How late timers ran after they came due.",
			Buckets: []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30}}),
	}
}

func (m *Metrics) observeIngest(batch []Classified, results []IngestResult) {
	for i, r := range results {
		src := batch[i].Source
		m.AlertsReceived.WithLabelValues(src).Inc()
		switch r.Outcome {
		case OutcomeDuplicate:
			m.AlertsDeduplicated.WithLabelValues(src).Inc()
		case OutcomeEvent:
			m.Events.WithLabelValues(string(batch[i].Event)).Inc()
		case OutcomeOpened:
			m.IncidentsOpened.WithLabelValues(r.Priority.String()).Inc()
		case OutcomeResolved:
			m.IncidentsResolved.WithLabelValues(r.Priority.String()).Inc()
		}
	}
}

func (m *Metrics) observeEscalation(c Completion) {
	for _, en := range c.Entries {
		switch en.Kind {
		case EntryEscalated:
			m.Escalations.Inc()
		case EntryExhausted:
			m.Exhausted.Inc()
		case EntryUnreachable:
			m.Unreachable.Inc()
		}
	}
}
