package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/klaxonhq/klaxon/engine"
)

// actionBody is the body of POST /v1/incidents/{key}/{action}.
type actionBody struct {
	// By is the person acting, by roster id.
	By     string `json:"by"`
	Text   string `json:"text"`
	Target string `json:"target"`
}

// maxActionBody bounds an operator action's body.
const maxActionBody = 64 << 10

// action serves POST /v1/incidents/{key}/ack|resolve|escalate|notes on
// behalf of the person named in the body.
func (s *Server) action(verb engine.Verb) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, by, ok := s.readAction(w, r)
		if !ok {
			return
		}
		if verb == engine.VerbUpdate && strings.TrimSpace(body.Text) == "" {
			writeError(w, http.StatusBadRequest, "text: a note needs text")
			return
		}
		key := r.PathValue("key")
		inc, _, err := s.opts.Engine.Apply(r.Context(), key, by, verb, body.Text)
		s.answerAction(w, key, inc, err)
	}
}

// responders serves POST /v1/incidents/{key}/responders: page another
// rotation or person for the incident now.
func (s *Server) responders(w http.ResponseWriter, r *http.Request) {
	body, by, ok := s.readAction(w, r)
	if !ok {
		return
	}
	if body.Target == "" {
		writeError(w, http.StatusBadRequest, `target: want "rotation:TEAM/NAME" or "person:ID"`)
		return
	}
	key := r.PathValue("key")
	inc, err := s.opts.Engine.AddResponders(r.Context(), key, by, body.Target)
	var bad *engine.TargetError
	if errors.As(err, &bad) {
		writeError(w, http.StatusBadRequest, "target: "+bad.Error())
		return
	}
	s.answerAction(w, key, inc, err)
}

// readAction reads and checks an action's body and the person it names.
func (s *Server) readAction(w http.ResponseWriter, r *http.Request) (actionBody, engine.Actor, bool) {
	var body actionBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxActionBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "body: want JSON {\"by\": \"<person id>\", \"text\": \"...\"}")
		return body, engine.Actor{}, false
	}
	person, ok := s.opts.Engine.Rosters().Person(body.By)
	if !ok {
		writeError(w, http.StatusBadRequest, "by: "+strconv.Quote(body.By)+" is not a person in the rosters")
		return body, engine.Actor{}, false
	}
	return body, engine.Actor{ID: person.ID, Name: person.Name, Channel: "api"}, true
}

// answerAction answers an operator action with the incident as it is now.
func (s *Server) answerAction(w http.ResponseWriter, key string, inc engine.Incident, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, inc)
	case errors.Is(err, engine.ErrNotFound):
		writeError(w, http.StatusNotFound, "incident "+strconv.Quote(key)+" not found")
	case errors.Is(err, engine.ErrWrongState):
		writeError(w, http.StatusConflict, "incident "+key+" is "+string(inc.State))
	default:
		s.storeFailure(w, "acting on an incident", err)
	}
}
