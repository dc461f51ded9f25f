package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/receivers"
)

const readyTimeout = 2 * time.Second

func (s *Server) alertmanager(w http.ResponseWriter, r *http.Request) {
	s.ingest(w, r, receivers.SourceAlertmanager, receivers.Alertmanager)
}

func (s *Server) datadog(w http.ResponseWriter, r *http.Request) {
	s.ingest(w, r, receivers.SourceDatadog, receivers.Datadog)
}

// ingest serves one alert webhook: token, body, translation, storage. A 2xx
// means every accepted alert is stored.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, source string, decode func([]byte) (receivers.Batch, error)) {
	integ, ok := s.integration(source, bearer(r))
	if !ok {
		s.rejected.WithLabelValues(source).Inc()
		writeError(w, http.StatusUnauthorized, "Authorization: a valid "+source+" integration token is required")
		return
	}
	release, ok := s.admitIngest(r)
	if !ok {
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusServiceUnavailable, "too many webhooks being stored at once; retry later")
		return
	}
	defer release()
	body, err := readBody(w, r, s.opts.MaxBody)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.rejected.WithLabelValues(source).Inc()
		writeError(w, http.StatusRequestEntityTooLarge, "body is larger than the limit of "+byteSize(tooBig.Limit))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "body could not be read")
		return
	}
	batch, err := decode(body)
	if err != nil {
		s.rejected.WithLabelValues(source).Inc()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.rejected.WithLabelValues(source).Add(float64(len(batch.Rejected)))
	if len(batch.Alerts) == 0 && len(batch.Rejected) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": "every alert was rejected", "rejected": batch.Rejected})
		return
	}
	results, err := s.opts.Engine.Ingest(r.Context(), engine.Source{Integration: integ.Name, Service: integ.Service}, batch.Alerts)
	if err != nil {
		s.storeFailure(w, "ingesting alerts", err)
		return
	}
	writeAnswer(w, alertsAnswer{Accepted: len(batch.Alerts),
		Rejected: append([]receivers.Rejection{}, batch.Rejected...), Results: results})
}

// integration finds the integration of type source whose token is token.
// Every token is compared, in constant time.
func (s *Server) integration(source, token string) (Integration, bool) {
	var found Integration
	ok := false
	for _, in := range s.tokens.Load().integrations {
		if tokenIs(token, in.Token) && in.Type == source {
			found, ok = in, true
		}
	}
	return found, ok
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
