package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

// onCallAnswer is one rotation in GET /v1/oncall.
type onCallAnswer struct {
	Rotation     string     `json:"rotation"`
	Team         string     `json:"team"`
	TimeZone     string     `json:"time_zone"`
	Person       *personRef `json:"person"`
	Why          string     `json:"why"`
	NextHandoffs []handoff  `json:"next_handoffs"`
}

type personRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// handoff is one handoff instant in the rotation's local time and in UTC.
type handoff struct {
	Local time.Time `json:"local"`
	UTC   time.Time `json:"utc"`
}

// onCall serves GET /v1/oncall?at=RFC3339&team=T: who is on call in every
// rotation, and each rotation's next two handoffs.
func (s *Server) onCall(w http.ResponseWriter, r *http.Request) {
	at := s.opts.Engine.Clock().Now()
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "at: want an RFC 3339 time such as 2026-11-22T09:00:00Z, got "+strconv.Quote(v))
			return
		}
		at = t
	}
	answers := s.opts.Engine.Rosters().OnCallAt(at, r.URL.Query().Get("team"), 2)
	out := make([]onCallAnswer, len(answers))
	for i, a := range answers {
		out[i] = onCallJSON(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": at.UTC(), "rotations": out})
}

func onCallJSON(a rosters.OnCallNow) onCallAnswer {
	loc := a.Rotation.Location
	if loc == nil {
		loc = time.UTC
	}
	ans := onCallAnswer{Rotation: a.Rotation.Ref(), Team: a.Rotation.Team, TimeZone: loc.String(),
		Why: string(a.Why), NextHandoffs: make([]handoff, len(a.NextHandoffs))}
	if a.Person.ID != "" {
		ans.Person = &personRef{ID: a.Person.ID, Name: a.Person.Name}
	}
	for i, h := range a.NextHandoffs {
		ans.NextHandoffs[i] = handoff{Local: h.In(loc), UTC: h.UTC()}
	}
	return ans
}
