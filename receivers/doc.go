// Package receivers translates the webhook bodies of alert sources into the
// engine's one alert type, and nothing else: one file per source. A receiver
// validates what it reads, rejects the alerts it cannot use with a reason
// naming the field, and never lets a vendor type past this package.
package receivers

import (
	"fmt"

	"github.com/klaxonhq/klaxon/engine"
)

// Batch is what a receiver made of one webhook body: the alerts it accepts
// and the ones it rejects.
type Batch struct {
	Alerts   []engine.Alert
	Rejected []Rejection
}

// Rejection names an alert of a body that cannot be ingested, and why.
type Rejection struct {
	Index       int    `json:"index"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Reason      string `json:"reason"`
}

// BodyError is a body that cannot be read at all: the caller's fault, never
// worth retrying.
type BodyError struct{ Msg string }

func (e *BodyError) Error() string { return e.Msg }

func bodyErrorf(format string, args ...any) error {
	return &BodyError{Msg: fmt.Sprintf(format, args...)}
}
