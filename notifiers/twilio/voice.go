package twilio

import (
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/klaxonhq/klaxon/engine"
)

// callStatusEvents are the call progress events Twilio posts to the status
// callback: answered (for the timeline) and completed (busy, no answer,
// failed, canceled and completed all arrive as the completed event).
var callStatusEvents = []string{"answered", "completed"}

// createCall places a phone call to m.To that reads m.Body and gathers a
// key for m.Incident.
//
// Answering-machine detection runs asynchronously: the call starts talking
// at once, as it would without detection, and Twilio posts its verdict to
// the status callback later. A machine never presses a key, so it can never
// acknowledge; the verdict only lets the engine fail the page over to the
// person's next channel early.
func (s *Sender) createCall(api *openapi.ApiService, m engine.Message, from string) (*string, error) {
	status := s.statusURL(m.PageKey)
	params := &openapi.CreateCallParams{}
	params.SetTo(m.To).SetFrom(from).
		SetTwiml(callTwiML(m.Body, voiceAction(s.publicURL, m.PageKey, m.Incident, false))).
		SetStatusCallback(status).SetStatusCallbackEvent(callStatusEvents).SetStatusCallbackMethod("POST").
		SetMachineDetection("Enable").SetAsyncAmd("true").SetAsyncAmdStatusCallback(status)
	call, err := api.CreateCall(params)
	if err != nil {
		return nil, err
	}
	return call.Sid, nil
}
