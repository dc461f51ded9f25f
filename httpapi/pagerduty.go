package httpapi

import (
	"errors"
	"net/http"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/receivers"
)

// pdAnswer is PagerDuty Events API v2's answer shape, with Klaxon's "error"
// beside it on failures.
type pdAnswer struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// pdMaxBody is PagerDuty's limit on an event's size.
const pdMaxBody = 512 << 10

// pagerDuty serves POST /v2/enqueue as PagerDuty's Events API v2 does: the
// routing_key in the body is the integration token; 202 once the event is
// stored, 400 for an invalid event or key, 503 when the store is down.
func (s *Server) pagerDuty(w http.ResponseWriter, r *http.Request) {
	release, ok := s.admitIngest(r)
	if !ok {
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusTooManyRequests, pdAnswer{Status: "throttle event",
			Message: "Requests are arriving too quickly; retry later.", Error: "too many events being stored at once"})
		return
	}
	defer release()
	body, err := readBody(w, r, pdMaxBody)
	if err != nil {
		s.rejected.WithLabelValues(receivers.SourcePagerDuty).Inc()
		pdInvalid(w, http.StatusRequestEntityTooLarge, "body is larger than 512 KiB")
		return
	}
	ev, err := receivers.PagerDuty(body)
	integ, ok := s.integration(receivers.SourcePagerDuty, ev.RoutingKey)
	var bad *receivers.PagerDutyError
	switch {
	case ev.RoutingKey != "" && !ok:
		s.rejected.WithLabelValues(receivers.SourcePagerDuty).Inc()
		pdInvalid(w, http.StatusBadRequest, "routing_key: not a valid integration key")
		return
	case errors.As(err, &bad):
		s.rejected.WithLabelValues(receivers.SourcePagerDuty).Inc()
		pdInvalid(w, http.StatusBadRequest, bad.Errors...)
		return
	case err != nil:
		s.rejected.WithLabelValues(receivers.SourcePagerDuty).Inc()
		pdInvalid(w, http.StatusBadRequest, err.Error())
		return
	}
	src := engine.Source{Integration: integ.Name, Service: integ.Service}
	if _, err := s.opts.Engine.Ingest(r.Context(), src, ev.Batch().Alerts); err != nil {
		s.storeFailure(w, "ingesting a PagerDuty event", err)
		return
	}
	writeJSON(w, http.StatusAccepted, pdAnswer{Status: "success", Message: "Event processed", DedupKey: ev.DedupKey})
}

func pdInvalid(w http.ResponseWriter, status int, problems ...string) {
	writeJSON(w, status, pdAnswer{Status: "invalid event", Message: "Event object is invalid",
		Errors: problems, Error: problems[0]})
}
