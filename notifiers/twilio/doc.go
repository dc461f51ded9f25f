// Package twilio owns Klaxon's Twilio edge: it sends SMS pages through the
// Twilio REST API (as an engine.Notifier), validates the X-Twilio-Signature of
// inbound webhooks, parses responders' SMS replies into engine.Commands and
// answers inbound SMS with TwiML.
//
// twilio-go types stop here: callers see engine types, this package's Config,
// Sender, Verifier and APIError, and plain errors.
package twilio
