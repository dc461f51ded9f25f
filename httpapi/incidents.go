package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/klaxonhq/klaxon/engine"
)

// listIncidents serves GET /v1/incidents?state=open|triggered|acknowledged|resolved&limit=N.
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	var f engine.IncidentFilter
	switch st := r.URL.Query().Get("state"); st {
	case "", "all":
	case "open":
		f.Open = true
	case string(engine.StateTriggered), string(engine.StateAcknowledged), string(engine.StateResolved):
		f.State = engine.State(st)
	default:
		writeError(w, http.StatusBadRequest, "state: want open, triggered, acknowledged, resolved or all, got "+strconv.Quote(st))
		return
	}
	f.Limit = 100
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "limit: want a whole number from 1 to 1000")
			return
		}
		f.Limit = n
	}
	list, err := s.opts.Engine.Store().Incidents(r.Context(), f)
	if err != nil {
		s.storeFailure(w, "listing incidents", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": list})
}

// getIncident serves GET /v1/incidents/{key}: the incident with its alerts'
// IDs, pages and full timeline.
func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	inc, err := s.opts.Engine.Store().Incident(r.Context(), key)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		writeError(w, http.StatusNotFound, "incident "+strconv.Quote(key)+" not found")
	case err != nil:
		s.storeFailure(w, "loading incident", err)
	default:
		writeJSON(w, http.StatusOK, inc)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
