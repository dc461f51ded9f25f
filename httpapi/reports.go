package httpapi

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/klaxonhq/klaxon/reports"
)

// defaultReportWindow is how far back a report reaches when since is not
// given.
const defaultReportWindow = 30 * 24 * time.Hour

// report serves GET /v1/reports?since=&until= (RFC 3339, default the 30 days
// up to now): the report on the incidents opened in [since, until).
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	since, until, err := reportWindow(r.URL.Query(), s.opts.Engine.Clock().Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	list, err := reports.Incidents(r.Context(), s.opts.Engine.Store(), since, until)
	if err != nil {
		s.storeFailure(w, "reading incidents for a report", err)
		return
	}
	writeJSON(w, http.StatusOK, reports.Build(list, nil, since, until))
}

// reportWindow reads since and until; until defaults to now and since to
// defaultReportWindow before until.
func reportWindow(q url.Values, now time.Time) (since, until time.Time, err error) {
	until = now
	if v := q.Get("until"); v != "" {
		if until, err = time.Parse(time.RFC3339, v); err != nil {
			return since, until, errors.New("until: want an RFC 3339 time such as 2026-11-22T09:00:00Z, got " + strconv.Quote(v))
		}
	}
	since = until.Add(-defaultReportWindow)
	if v := q.Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return since, until, errors.New("since: want an RFC 3339 time such as 2026-11-01T00:00:00Z, got " + strconv.Quote(v))
		}
	}
	if !since.Before(until) {
		return since, until, errors.New("since: must be before until (" + until.UTC().Format(time.RFC3339) + ")")
	}
	return since, until, nil
}
