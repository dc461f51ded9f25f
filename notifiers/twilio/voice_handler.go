package twilio

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/klaxonhq/klaxon/engine"
)

// VoiceResponder acts on the keys a called person presses.
type VoiceResponder interface {
	Responder
	// VoiceText returns what a call says about the incident key, when
	// there is such an incident.
	VoiceText(ctx context.Context, incident string) (string, bool)
}

// voiceKeys maps the keys that act on an incident to their verbs.
var voiceKeys = map[string]engine.Verb{"4": engine.VerbAck, "5": engine.VerbEscalate, "6": engine.VerbResolve}

// voiceHandler answers the Gather actions of page calls.
type voiceHandler struct {
	verifier  *Verifier
	responder VoiceResponder
	log       *slog.Logger
}

// NewVoiceHandler returns the handler for the keys a called person presses
// (POST /v1/twilio/voice, the Gather action of every page call). It checks
// the request's signature, then: 4 acknowledges, 5 escalates and 6 resolves
// the incident named in the URL's incident parameter on behalf of the person
// called, and says r's answer before hanging up; * says the incident again
// and waits for a key; any other key, or none, says a short help and waits
// once more, then hangs up. Nothing but 4, 5 and 6 reaches r.HandleCommand.
func NewVoiceHandler(v *Verifier, r VoiceResponder, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &voiceHandler{verifier: v, responder: r, log: log}
}

// voiceCall is what a Gather action says about the call and the key.
type voiceCall struct {
	person   string // the number of the person called
	digits   string
	incident string
	pageKey  string
	retry    bool // the help has been said once already
}

// ServeHTTP implements http.Handler.
func (h *voiceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, ok := h.verifier.signedForm(w, r, h.log, "voice webhook")
	if !ok {
		return
	}
	writeVoice(w, h.answer(r.Context(), readVoiceCall(r.URL.Query(), form)))
}

// readVoiceCall reads the call from the action URL's query and the form.
// For a call Klaxon placed the person is the called number (To); for a call
// someone placed to Klaxon it would be the caller (From).
func readVoiceCall(query, form url.Values) voiceCall {
	c := voiceCall{
		person:   form.Get("To"),
		digits:   strings.TrimSpace(form.Get("Digits")),
		incident: query.Get("incident"),
		pageKey:  query.Get("page"),
		retry:    query.Get("retry") != "",
	}
	if strings.HasPrefix(form.Get("Direction"), "inbound") {
		c.person = form.Get("From")
	}
	return c
}

// answer returns the TwiML that answers the key pressed in c.
func (h *voiceHandler) answer(ctx context.Context, c voiceCall) string {
	number, err := keyNumber(c.incident)
	if err != nil || c.person == "" {
		h.log.WarnContext(ctx, "twilio voice webhook: no incident or person", "incident", c.incident, "page", c.pageKey)
		return sayAndHangUp(VoiceUnavailable)
	}
	if verb, ok := voiceKeys[c.digits]; ok {
		h.log.InfoContext(ctx, "twilio voice key", "to", maskNumber(c.person), "verb", verb, "incident", c.incident)
		text := h.responder.HandleCommand(ctx, c.person, engine.ChannelVoice, engine.Command{Verb: verb, Number: number})
		if text == "" {
			text = VoiceGoodbye
		}
		return sayAndHangUp(text)
	}
	action := voiceAction(h.verifier.publicURL, c.pageKey, c.incident, false)
	switch {
	case c.digits == "*":
		if text, ok := h.responder.VoiceText(ctx, c.incident); ok {
			return askAgain(action, text, VoicePrompt)
		}
		return askAgain(action, VoicePrompt)
	case c.retry:
		return sayAndHangUp(VoiceGoodbye)
	default:
		return askAgain(voiceAction(h.verifier.publicURL, c.pageKey, c.incident, true), VoiceHelp)
	}
}

// keyNumber returns the number of an incident key: 42 for "INC-42".
func keyNumber(key string) (int64, error) {
	return parseNumber(key[strings.LastIndexByte(key, '-')+1:])
}

// writeVoice answers with a TwiML document.
func writeVoice(w http.ResponseWriter, twiml string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(twiml))
}
