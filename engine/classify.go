package engine

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// Rule is one classify rule: the first rule whose matchers all match an
// alert's labels sets its priority, and optionally its service and category.
type Rule struct {
	Matchers []*labels.Matcher
	Priority Priority
	Service  string
	Category string
}

// Window is a maintenance window: alerts matching it between From and To
// (exclusive) are events.
type Window struct {
	Matchers []*labels.Matcher
	From, To time.Time
}

// Classifier decides an alert's priority, service and category, and whether
// it is an event.
type Classifier struct {
	Rules       []Rule
	Default     Priority
	Maintenance []Window
	// ServiceLabel is the label that names an alert's service.
	ServiceLabel string
}

// Classify applies the rules to a. fallbackService is used when neither a
// rule nor the service label names one (the integration's service).
func (c *Classifier) Classify(a *Alert, fallbackService string, now time.Time) Classified {
	out := Classified{Alert: *a, Priority: c.Default}
	for i := range c.Rules {
		r := &c.Rules[i]
		if matches(r.Matchers, a.Labels) {
			out.Priority, out.Service, out.Category = r.Priority, r.Service, r.Category
			break
		}
	}
	if out.Service == "" {
		out.Service = a.Labels[c.ServiceLabel]
	}
	if out.Service == "" {
		out.Service = fallbackService
	}
	switch {
	case c.inMaintenance(a.Labels, out.Service, now):
		out.Event = EventMaintenance
	case out.Priority == P3:
		out.Event = EventLowPriority
	}
	return out
}

func (c *Classifier) inMaintenance(ls map[string]string, service string, now time.Time) bool {
	for i := range c.Maintenance {
		w := &c.Maintenance[i]
		if now.Before(w.From) || !now.Before(w.To) {
			continue
		}
		if matchesWithService(w.Matchers, ls, c.ServiceLabel, service) {
			return true
		}
	}
	return false
}

// matchesWithService matches labels, reading the service label as the
// alert's resolved service when the alert does not carry it.
func matchesWithService(ms []*labels.Matcher, ls map[string]string, serviceLabel, service string) bool {
	for _, m := range ms {
		v, ok := ls[m.Name]
		if !ok && m.Name == serviceLabel {
			v = service
		}
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

func matches(ms []*labels.Matcher, ls map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// GroupKey is the key shared by alerts that belong in one incident: their
// service and their values of the service's group_by labels, written like a
// label set: checkout{alertname="HighErrorRate"}.
func GroupKey(service string, groupBy []string, ls map[string]string) string {
	var b strings.Builder
	b.WriteString(service)
	b.WriteByte('{')
	for i, name := range groupBy {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(ls[name]))
	}
	b.WriteByte('}')
	return b.String()
}
