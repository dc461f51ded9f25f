package engine

// Verb is what a responder asks of an incident.
type Verb string

// The verbs a responder can send by SMS, keypress or API.
const (
	VerbAck      Verb = "ack"
	VerbResolve  Verb = "resolve"
	VerbEscalate Verb = "escalate"
	VerbUpdate   Verb = "update"
)

// Command is one request from a responder, parsed from an SMS reply, a
// keypress or an API call.
type Command struct {
	Verb Verb
	// Number is the incident's number (42 for INC-42); zero means the
	// incident most recently paged to the sender.
	Number int64
	// All applies the verb to every open incident the sender responds to.
	All bool
	// Text is a status update's text.
	Text string
}
