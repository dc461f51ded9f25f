package twilio

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/klaxonhq/klaxon/engine"
)

// maxWebhookBody bounds an inbound webhook's body; Twilio's are a few KiB.
const maxWebhookBody = 64 << 10

// Responder acts on a responder's command and returns the text to answer with.
type Responder interface {
	HandleCommand(ctx context.Context, from string, ch engine.Channel, cmd engine.Command) string
}

// smsHandler answers Twilio's inbound SMS webhook.
type smsHandler struct {
	verifier  *Verifier
	responder Responder
	log       *slog.Logger
}

// NewSMSHandler returns the handler for Twilio's inbound SMS webhook
// (POST /v1/twilio/sms). It checks the request's signature, parses the reply,
// hands the command to r and answers with r's text as TwiML. A reply it does
// not understand is answered with HelpText and r is not called.
func NewSMSHandler(v *Verifier, r Responder, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &smsHandler{verifier: v, responder: r, log: log}
}

// ServeHTTP implements http.Handler.
func (h *smsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, ok := h.verifier.signedForm(w, r, h.log, "sms webhook")
	if !ok {
		return
	}
	from := form.Get("From")
	if from == "" {
		writeError(w, http.StatusBadRequest, "From is required")
		return
	}
	writeTwiML(w, h.answer(r.Context(), from, form.Get("Body")))
}

// answer returns the text to reply to body with.
func (h *smsHandler) answer(ctx context.Context, from, body string) string {
	cmd, err := ParseReply(body)
	if err != nil {
		h.log.InfoContext(ctx, "twilio sms reply not understood", "from", maskNumber(from), "err", err)
		return HelpText
	}
	h.log.InfoContext(ctx, "twilio sms reply", "from", maskNumber(from), "verb", cmd.Verb, "number", cmd.Number, "all", cmd.All)
	return h.responder.HandleCommand(ctx, from, engine.ChannelSMS, cmd)
}

// readForm reads r's body, at most maxWebhookBody bytes, and returns its
// POST parameters, or the status and message to refuse it with.
func readForm(w http.ResponseWriter, r *http.Request) (form url.Values, status int, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, "body larger than 64 KiB"
		}
		return nil, http.StatusBadRequest, "body is not a valid form"
	}
	return r.PostForm, 0, ""
}

// twimlResponse is a TwiML document with at most one message.
type twimlResponse struct {
	XMLName  xml.Name `xml:"Response"`
	Messages []string `xml:"Message"`
}

// writeTwiML answers with a TwiML message of text, or no message when text
// is empty. encoding/xml escapes the text.
func writeTwiML(w http.ResponseWriter, text string) {
	doc := twimlResponse{}
	if text != "" {
		doc.Messages = []string{text}
	}
	body, err := xml.Marshal(doc)
	if err != nil { // cannot happen for strings; answer without a message
		body = []byte("<Response></Response>")
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

// writeError answers with status and a JSON error naming what is wrong.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

// maskNumber hides all but the last four digits of a phone number, so that
// logs at info level never hold a full number.
func maskNumber(n string) string {
	if len(n) <= 4 {
		return "****"
	}
	return "****" + n[len(n)-4:]
}
