package twilio

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/twilio/twilio-go/client"
)

// Twilio error codes that are worth retrying despite their 4xx status.
// Other 4xx codes are permanent: 21610 (recipient replied STOP), 21211
// (invalid number), 21614 (not a mobile number), 21408 (region not enabled).
const (
	codeTooManyRequests = 20429 // rate limited
	codeQueueOverflow   = 21611 // this sender's queue is full
)

// APIError is an error answer from the Twilio REST API.
type APIError struct {
	// Status is the HTTP status of the answer.
	Status int
	// Code is Twilio's error code (https://www.twilio.com/docs/api/errors).
	Code    int
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("api status %d code %d: %s", e.Status, e.Code, e.Message)
}

// Temporary reports whether sending again later may succeed: a server error,
// a rate limit or a full queue. An invalid, unsubscribed or unreachable
// number, or any other caller error, is permanent.
func (e *APIError) Temporary() bool {
	switch {
	case e.Status >= 500, e.Status == http.StatusTooManyRequests:
		return true
	case e.Code == codeTooManyRequests, e.Code == codeQueueOverflow:
		return true
	default:
		return false
	}
}

// translate turns twilio-go's error types into APIError so that no vendor
// type escapes this package; other errors are returned as they are.
func translate(err error) error {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return &APIError{Status: rest.Status, Code: rest.Code, Message: rest.Message}
	}
	var v1 *client.RestErrorV1
	if errors.As(err, &v1) {
		return &APIError{Status: v1.HttpStatusCode, Code: v1.Code, Message: v1.Message}
	}
	return err
}

// retryable reports whether a failed send is worth trying again. Network
// errors, timeouts and answers that are not a Twilio error (an HTML page
// from a proxy, a cut-off body) are retried: a page must not be dropped
// because of the path to Twilio.
func retryable(err error) bool {
	var api *APIError
	if errors.As(translate(err), &api) {
		return api.Temporary()
	}
	return true
}
