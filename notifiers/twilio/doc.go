// Package twilio owns Klaxon's Twilio edge: it sends SMS pages and places
// page calls through the Twilio REST API (as an engine.Notifier), paces each
// sender number to its messages_per_second, validates the X-Twilio-Signature
// of inbound webhooks, parses responders' SMS replies and call keypresses
// into engine.Commands, answers them with TwiML, and turns Twilio's status
// callbacks into engine.DeliveryReports.
//
// twilio-go types stop here: callers see engine types, this package's Config,
// Sender, Verifier and APIError, and plain errors.
package twilio
