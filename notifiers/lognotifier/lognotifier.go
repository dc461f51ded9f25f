// Package lognotifier delivers pages to the log instead of a provider, so
// that Klaxon shows its whole pipeline working before Twilio or SMTP is
// configured.
package lognotifier

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/klaxonhq/klaxon/engine"
)

// Notifier writes each message to a logger and accepts it.
type Notifier struct {
	log  *slog.Logger
	sent atomic.Int64
}

// New returns a notifier that logs to log.
func New(log *slog.Logger) *Notifier { return &Notifier{log: log} }

// Send logs m and returns a made-up provider id.
func (n *Notifier) Send(ctx context.Context, m engine.Message) (string, bool, error) {
	id := "log-" + strconv.FormatInt(n.sent.Add(1), 10)
	n.log.InfoContext(ctx, "page (no provider configured for this channel, so it is only logged)",
		"id", id, "channel", m.Channel, "incident", m.Incident, "person", m.PersonID,
		"subject", m.Subject, "body", m.Body)
	return id, false, nil
}
