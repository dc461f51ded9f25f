package twilio

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/klaxonhq/klaxon/engine"
)

// StatusSink takes providers' later reports on the messages and calls they
// accepted.
type StatusSink interface {
	HandleDelivery(ctx context.Context, r engine.DeliveryReport) error
}

// statusHandler answers Twilio's message and call status callbacks.
type statusHandler struct {
	verifier *Verifier
	sink     StatusSink
	log      *slog.Logger
}

// NewStatusHandler returns the handler for Twilio's status callbacks
// (POST /v1/twilio/status?page=<page key>) for messages and calls. It checks
// the request's signature and hands sink a DeliveryReport for the page:
//
//   - message delivered, read or sent: Failed false
//   - message undelivered, failed or canceled: Failed true, with Twilio's
//     ErrorCode (30003-30008 and others) as Code
//   - call completed or in-progress (answered): Failed false
//   - call busy, no-answer, failed or canceled: Failed true
//   - answering-machine verdict machine_* or fax: Failed true, Status is
//     the verdict; human and unknown are not reported
//
// Statuses that say nothing has happened yet (queued, accepted, scheduled,
// sending, initiated, ringing) are not reported, nor are callbacks without
// a page (for messages sent before page keys were added). Unknown statuses
// are reported with Failed false. It answers 204, or 503 when sink fails.
func NewStatusHandler(v *Verifier, sink StatusSink, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &statusHandler{verifier: v, sink: sink, log: log}
}

// ServeHTTP implements http.Handler.
func (h *statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, ok := h.verifier.signedForm(w, r, h.log, "status callback")
	if !ok {
		return
	}
	report, ok, msg := deliveryReport(r.URL.Query().Get("page"), form)
	switch {
	case msg != "":
		writeError(w, http.StatusBadRequest, msg)
		return
	case !ok:
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := h.sink.HandleDelivery(r.Context(), report); err != nil {
		h.log.ErrorContext(r.Context(), "twilio status callback: not recorded", "page", report.PageKey, "status", report.Status, "err", err)
		writeError(w, http.StatusServiceUnavailable, "delivery report not recorded, try again later")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Statuses that Twilio reports before anything has happened.
var pendingStatuses = map[string]bool{
	"queued": true, "accepted": true, "scheduled": true, "sending": true,
	"initiated": true, "ringing": true,
}

// failedMessage and failedCall are the statuses of messages and calls that
// did not reach the person.
var (
	failedMessage = map[string]bool{"undelivered": true, "failed": true, "canceled": true}
	failedCall    = map[string]bool{"busy": true, "no-answer": true, "failed": true, "canceled": true}
)

// deliveryReport reads a status callback into a report for pageKey. ok is
// false when there is nothing to report; msg names what is missing from a
// callback that cannot be read.
func deliveryReport(pageKey string, form url.Values) (r engine.DeliveryReport, ok bool, msg string) {
	code, _ := strconv.Atoi(form.Get("ErrorCode"))
	r = engine.DeliveryReport{PageKey: pageKey, Code: code}
	callStatus, answeredBy := form.Get("CallStatus"), form.Get("AnsweredBy")
	messageStatus := cmp.Or(form.Get("MessageStatus"), form.Get("SmsStatus"))
	switch {
	case form.Get("CallSid") != "" && (callStatus != "" || answeredBy != ""):
		r.ProviderID = form.Get("CallSid")
		r.Status, r.Failed = callOutcome(callStatus, answeredBy)
	case form.Get("MessageSid") != "" && messageStatus != "":
		r.ProviderID = form.Get("MessageSid")
		r.Status = strings.ToLower(messageStatus)
		r.Failed = failedMessage[r.Status]
	default:
		return r, false, "CallSid with CallStatus or AnsweredBy, or MessageSid with MessageStatus, is required"
	}
	if r.Status == "" || pageKey == "" || pendingStatuses[r.Status] {
		return r, false, ""
	}
	return r, true, ""
}

// callOutcome turns a call status and an answering-machine verdict (either
// may be empty) into a report's status and whether the call failed. A
// machine or a fax answering fails the call whatever its status.
func callOutcome(callStatus, answeredBy string) (status string, failed bool) {
	answeredBy = strings.ToLower(answeredBy)
	if strings.HasPrefix(answeredBy, "machine") || answeredBy == "fax" {
		return answeredBy, true
	}
	if callStatus == "" { // a verdict of human or unknown: the call goes on
		return "", false
	}
	status = strings.ToLower(callStatus)
	return status, failedCall[status]
}
