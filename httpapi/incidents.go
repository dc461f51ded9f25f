package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/klaxonhq/klaxon/engine"
)

// listIncidents serves GET /v1/incidents with filters state
// (open|triggered|acknowledged|resolved|all), service, priority, since
// (RFC 3339) and paging: limit, and before (the next_before of the previous
// page).
func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request) {
	f, err := incidentFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.opts.Engine.Store().Incidents(r.Context(), f)
	if err != nil {
		s.storeFailure(w, "listing incidents", err)
		return
	}
	answer := map[string]any{"incidents": list}
	if len(list) == f.Limit {
		answer["next_before"] = list[len(list)-1].Number
	}
	writeJSON(w, http.StatusOK, answer)
}

func incidentFilter(q url.Values) (engine.IncidentFilter, error) {
	f := engine.IncidentFilter{Service: q.Get("service")}
	switch st := q.Get("state"); st {
	case "", "all":
	case "open":
		f.Open = true
	case string(engine.StateTriggered), string(engine.StateAcknowledged), string(engine.StateResolved):
		f.State = engine.State(st)
	default:
		return f, errors.New("state: want open, triggered, acknowledged, resolved or all, got " + strconv.Quote(st))
	}
	if p := q.Get("priority"); p != "" {
		pr, err := engine.ParsePriority(p)
		if err != nil {
			return f, errors.New("priority: " + err.Error())
		}
		f.Priority = &pr
	}
	var err error
	if f.Since, err = sinceParam(q); err != nil {
		return f, err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return f, err
	}
	if b := q.Get("before"); b != "" {
		if f.Before, err = strconv.ParseInt(b, 10, 64); err != nil || f.Before < 1 {
			return f, errors.New("before: want an incident number")
		}
	}
	return f, nil
}

func sinceParam(q url.Values) (time.Time, error) {
	v := q.Get("since")
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, errors.New("since: want an RFC 3339 time, got " + strconv.Quote(v))
	}
	return t, nil
}

func limitParam(q url.Values) (int, error) {
	l := q.Get("limit")
	if l == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > 1000 {
		return 0, errors.New("limit: want a whole number from 1 to 1000")
	}
	return n, nil
}

// listEvents serves GET /v1/events?service=&since=&limit=: alerts recorded
// as events (low priority or in maintenance), most recently seen first.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := engine.EventFilter{Service: q.Get("service")}
	var err error
	if f.Since, err = sinceParam(q); err == nil {
		f.Limit, err = limitParam(q)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.opts.Engine.Store().Events(r.Context(), f)
	if err != nil {
		s.storeFailure(w, "listing events", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": list})
}

// incidentDetail is an incident with its alerts in full.
type incidentDetail struct {
	engine.Incident
	AlertRecords []engine.AlertRecord `json:"alert_records"`
}

// getIncident serves GET /v1/incidents/{key}: the incident with its alerts,
// pages and full timeline.
func (s *Server) getIncident(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	store := s.opts.Engine.Store()
	inc, err := store.Incident(r.Context(), key)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		writeError(w, http.StatusNotFound, "incident "+strconv.Quote(key)+" not found")
		return
	case err != nil:
		s.storeFailure(w, "loading incident", err)
		return
	}
	detail := incidentDetail{Incident: inc, AlertRecords: make([]engine.AlertRecord, 0, len(inc.Alerts))}
	for _, id := range inc.Alerts {
		a, err := store.Alert(r.Context(), id)
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			s.storeFailure(w, "loading alerts", err)
			return
		}
		detail.AlertRecords = append(detail.AlertRecords, a)
	}
	writeJSON(w, http.StatusOK, detail)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
