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
	PageLatency        *prometheus.HistogramVec
	TimeToDetect       *prometheus.HistogramVec
	TimeToAck          *prometheus.HistogramVec
	TimeToResolve      *prometheus.HistogramVec
	StoreLatency       *prometheus.HistogramVec
	Reminders          prometheus.Counter
	StakeholderMails   *prometheus.CounterVec
	reg                prometheus.Registerer
}

// durationBuckets span a second to a day: how long people and detectors take.
var durationBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400}

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
		PageLatency: f.NewHistogramVec(prometheus.HistogramOpts{Namespace: "klaxon", Name: "page_latency_seconds",
			Help:    "From an incident's first alert received to its first step's page accepted by the provider, by channel.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"channel"}),
		TimeToDetect: f.NewHistogramVec(prometheus.HistogramOpts{Namespace: "klaxon", Name: "time_to_detect_seconds",
			Help:    "From an incident's first alert starting to the incident opening, by priority and service.",
			Buckets: durationBuckets}, []string{"priority", "service"}),
		TimeToAck: f.NewHistogramVec(prometheus.HistogramOpts{Namespace: "klaxon", Name: "time_to_acknowledge_seconds",
			Help:    "From an incident opening to its first acknowledgement, by priority and service.",
			Buckets: durationBuckets}, []string{"priority", "service"}),
		TimeToResolve: f.NewHistogramVec(prometheus.HistogramOpts{Namespace: "klaxon", Name: "time_to_resolve_seconds",
			Help:    "From an incident opening to its resolution, by priority and service.",
			Buckets: durationBuckets}, []string{"priority", "service"}),
		StoreLatency: f.NewHistogramVec(prometheus.HistogramOpts{Namespace: "klaxon", Name: "store_operation_seconds",
			Help:    "Store operations' latency, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}, []string{"operation"}),
		Reminders: f.NewCounter(prometheus.CounterOpts{Namespace: "klaxon", Name: "status_reminders_total",
			Help: "Reminders sent to incident owners to post a status update."}),
		StakeholderMails: f.NewCounterVec(prometheus.CounterOpts{Namespace: "klaxon", Name: "stakeholder_emails_total",
			Help: "Emails to stakeholders, by result."}, []string{"result"}),
		reg: reg,
	}
}

// observeOpenCounts registers a gauge of open incidents by priority, read
// from the store when scraped.
func (m *Metrics) observeOpenCounts(count func() (map[Priority]int, error)) {
	if m.reg == nil {
		return
	}
	m.reg.MustRegister(&openCollector{count: count, desc: prometheus.NewDesc("klaxon_incidents_open",
		"Incidents not resolved, by priority.", []string{"priority"}, nil)})
}

// openCollector reports the store's open incident counts at scrape time.
type openCollector struct {
	count func() (map[Priority]int, error)
	desc  *prometheus.Desc
}

func (c *openCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *openCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.count()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for p := P0; p <= P3; p++ {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[p]), p.String())
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
