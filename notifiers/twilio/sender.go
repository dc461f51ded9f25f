package twilio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/klaxonhq/klaxon/engine"
)

// DefaultAPIURL is the Twilio REST API's base URL.
const DefaultAPIURL = "https://api.twilio.com"

// DefaultTimeout bounds one Twilio API request when Config.Timeout is zero.
const DefaultTimeout = 8 * time.Second

// StatusCallbackPath is the path, below the public URL, that Twilio is told
// to post message status callbacks to.
const StatusCallbackPath = "/v1/twilio/status"

// Config is the Twilio account and how to reach it.
type Config struct {
	// AccountSID and AuthToken authenticate API requests.
	AccountSID string
	AuthToken  string
	// AuthTokenSecondary is accepted on inbound webhooks during a token
	// rotation; it is never used to send.
	AuthTokenSecondary string
	// From lists the sender numbers, used in turn.
	From []string
	// APIURL replaces the scheme and host (and prefixes the path, if it has
	// one) of every API request; empty means DefaultAPIURL.
	APIURL string
	// PublicURL is Klaxon's own base URL as Twilio reaches it.
	PublicURL string
	// Timeout bounds one API request; zero means DefaultTimeout.
	Timeout time.Duration
}

// Sender sends SMS through the Twilio REST API. It is an engine.Notifier and
// is safe for concurrent use.
type Sender struct {
	creds          *client.Credentials
	accountSID     string
	from           []string
	next           atomic.Uint64
	statusCallback string
	apiURL         *url.URL
	timeout        time.Duration
	transport      http.RoundTripper
}

var _ engine.Notifier = (*Sender)(nil)

// New checks cfg and returns a Sender for it.
func New(cfg Config) (*Sender, error) {
	if err := checkCredentials(cfg); err != nil {
		return nil, err
	}
	if err := checkFrom(cfg.From); err != nil {
		return nil, err
	}
	public, err := parseBaseURL("public_url", cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	api, err := parseBaseURL("api_url", cmp.Or(cfg.APIURL, DefaultAPIURL))
	if err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("twilio timeout: must not be negative")
	}
	return &Sender{
		creds:          client.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		accountSID:     cfg.AccountSID,
		from:           append([]string(nil), cfg.From...),
		statusCallback: public.String() + StatusCallbackPath,
		apiURL:         api,
		timeout:        cmp.Or(cfg.Timeout, DefaultTimeout),
		transport:      http.DefaultTransport.(*http.Transport).Clone(),
	}, nil
}

// Send sends m as an SMS from the next sender number and returns Twilio's
// message SID. Channels other than SMS are an error (voice is not built yet).
func (s *Sender) Send(ctx context.Context, m engine.Message) (providerID string, retry bool, err error) {
	if m.Channel != engine.ChannelSMS {
		return "", false, fmt.Errorf("twilio send: channel %q not supported", m.Channel)
	}
	if m.To == "" {
		return "", false, errors.New("twilio send sms: message has no to number")
	}
	if err := ctx.Err(); err != nil {
		return "", true, fmt.Errorf("twilio send sms: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel() // CreateMessage has read and closed the response by then
	params := &openapi.CreateMessageParams{}
	params.SetTo(m.To).SetFrom(s.nextFrom()).SetBody(m.Body).SetStatusCallback(s.statusCallback)
	msg, err := s.api(ctx).CreateMessage(params)
	if err != nil {
		return "", retryable(err), fmt.Errorf("twilio send sms: %w", s.describe(err))
	}
	if msg.Sid == nil || *msg.Sid == "" {
		return "", true, errors.New("twilio send sms: answer has no message sid")
	}
	return *msg.Sid, false, nil
}

// describe returns err without twilio-go types and, for network errors,
// naming the host really posted to (twilio-go's URL names api.twilio.com).
func (s *Sender) describe(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("post to %s: %w", s.apiURL.Host, urlErr.Err)
	}
	return translate(err)
}

// nextFrom returns the sender numbers in turn.
func (s *Sender) nextFrom() string {
	n := s.next.Add(1) - 1
	return s.from[n%uint64(len(s.from))]
}

// api returns a twilio-go service whose requests go to s.apiURL and are
// bound to ctx. twilio-go takes no context, so the transport supplies it.
func (s *Sender) api(ctx context.Context) *openapi.ApiService {
	hc := &http.Client{
		Transport:     &rewriteTransport{base: s.transport, target: s.apiURL, ctx: ctx},
		Timeout:       s.timeout, // ctx carries the same bound; this keeps it if ctx is dropped
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &client.Client{Credentials: s.creds, HTTPClient: hc}
	c.SetAccountSid(s.accountSID)
	return openapi.NewApiServiceWithClient(c)
}

// checkCredentials checks the account SID and token without ever quoting the
// token. twilio-go refuses credentials that are not alphanumeric.
func checkCredentials(cfg Config) error {
	switch {
	case cfg.AccountSID == "":
		return errors.New("twilio account_sid: required")
	case !alphanumeric(cfg.AccountSID):
		return errors.New("twilio account_sid: must be letters and digits only")
	case cfg.AuthToken == "":
		return errors.New("twilio auth_token: required")
	case !alphanumeric(cfg.AuthToken):
		return errors.New("twilio auth_token: must be letters and digits only")
	}
	return nil
}

// checkFrom checks that there is at least one sender number.
func checkFrom(from []string) error {
	if len(from) == 0 {
		return errors.New("twilio from: at least one sender number is required")
	}
	for i, f := range from {
		if strings.TrimSpace(f) == "" {
			return fmt.Errorf("twilio from[%d]: empty number", i)
		}
	}
	return nil
}

// parseBaseURL checks that raw is an absolute http(s) URL without user
// info, query or fragment and returns it without a trailing slash. Errors
// never quote raw, which may hold a secret.
func parseBaseURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("twilio %s: not a URL", field)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twilio %s: want an http or https URL with a host", field)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("twilio %s: must not have user info, query or fragment", field)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// alphanumeric reports whether s is only ASCII letters and digits.
func alphanumeric(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
