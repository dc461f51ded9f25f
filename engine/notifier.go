package engine

import (
	"context"
	"errors"
)

// Channel is a way of reaching a person.
type Channel string

// The channels a person's notify rules may name.
const (
	ChannelSMS   Channel = "sms"
	ChannelVoice Channel = "voice"
	ChannelEmail Channel = "email"
)

// Message is one notification ready to send: its text is already rendered.
type Message struct {
	Channel Channel
	// To is the phone number (E.164) or email address.
	To       string
	PersonID string
	Incident string
	// Number is the incident's number, for reply instructions.
	Number int64
	// PageKey identifies the page the message carries, so that a provider's
	// later status report (delivered, failed) can be matched to it.
	PageKey string
	Subject string
	Body    string
	// Wanted reports whether the page is still wanted (its incident not
	// acknowledged or resolved meanwhile). A notifier that had to wait, for
	// a sender's rate limit, asks it before sending, and returns
	// ErrNotWanted instead of sending when it is false. Nil means wanted.
	Wanted func() bool `json:"-"`
}

// ErrNotWanted is a notifier's answer for a message it did not send because
// its page was no longer wanted after a wait.
var ErrNotWanted = errors.New("page no longer wanted")

// DeliveryReport is a provider's later word on a message it had accepted:
// delivered, or failed and why.
type DeliveryReport struct {
	PageKey    string
	ProviderID string
	// Status is the provider's own status word ("delivered", "undelivered",
	// "failed", "busy", "no-answer", "completed").
	Status string
	// Failed means the message did not reach the person: the page fails and
	// the person's next channel is tried at once.
	Failed bool
	// Code is the provider's error code, when it gave one.
	Code int
}

// Notifier delivers messages on one or more channels.
//
// Send returns the provider's id for the accepted message. On failure, retry
// tells whether the same message is worth sending again later (a timeout, a
// 5xx, a rate limit) or whether this channel cannot reach the person (an
// invalid or opted-out number).
type Notifier interface {
	Send(ctx context.Context, m Message) (providerID string, retry bool, err error)
}
