package twilio

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/klaxonhq/klaxon/engine"
)

// DefaultAPIURL is the Twilio REST API's base URL.
const DefaultAPIURL = "https://api.twilio.com"

// DefaultTimeout bounds one Twilio API request when Config.Timeout is zero.
const DefaultTimeout = 8 * time.Second

// DefaultMessagesPerSecond is each sender number's rate when
// Config.MessagesPerSecond is zero.
const DefaultMessagesPerSecond = 1.0

// StatusCallbackPath is the path, below the public URL, that Twilio is told
// to post message and call status callbacks to.
const StatusCallbackPath = "/v1/twilio/status"

// VoicePath is the path, below the public URL, of the voice webhook that
// takes the keys a called person presses.
const VoicePath = "/v1/twilio/voice"

// Config is the Twilio account and how to reach it.
type Config struct {
	// AccountSID and AuthToken authenticate API requests.
	AccountSID string
	AuthToken  string
	// AuthTokenSecondary is accepted on inbound webhooks during a token
	// rotation; it is never used to send.
	AuthTokenSecondary string
	// From lists the sender numbers: each send takes the one whose next
	// slot (see MessagesPerSecond) comes first, equals in turn.
	From []string
	// APIURL replaces the scheme and host (and prefixes the path, if it has
	// one) of every API request; empty means DefaultAPIURL.
	APIURL string
	// PublicURL is Klaxon's own base URL as Twilio reaches it.
	PublicURL string
	// Timeout bounds one API request; zero means DefaultTimeout. Waiting
	// for a sender number's slot is bounded by Send's context alone.
	Timeout time.Duration
	// MessagesPerSecond is each sender number's budget, shared by its SMS
	// and its calls; zero means DefaultMessagesPerSecond.
	MessagesPerSecond float64
	// Clock paces the sender numbers; nil means the machine's clock.
	Clock engine.Clock
}

// Sender sends SMS and places phone calls through the Twilio REST API. It
// is an engine.Notifier and is safe for concurrent use.
type Sender struct {
	creds      *client.Credentials
	accountSID string
	numbers    *numberPool
	publicURL  string
	apiURL     *url.URL
	timeout    time.Duration
	transport  http.RoundTripper
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
	mps := cmp.Or(cfg.MessagesPerSecond, DefaultMessagesPerSecond)
	if mps < 0 || math.IsNaN(mps) || math.IsInf(mps, 0) {
		return nil, errors.New("twilio messages_per_second: must be a number more than 0")
	}
	var clock engine.Clock = engine.SystemClock{}
	if cfg.Clock != nil {
		clock = cfg.Clock
	}
	return &Sender{
		creds:      client.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		accountSID: cfg.AccountSID,
		numbers:    newNumberPool(cfg.From, mps, clock),
		publicURL:  public.String(),
		apiURL:     api,
		timeout:    cmp.Or(cfg.Timeout, DefaultTimeout),
		transport:  apiTransport(),
	}, nil
}

// Send sends m as an SMS (ChannelSMS) or places a phone call that reads
// m.Body and takes a keypress (ChannelVoice), from the sender number whose
// next slot comes first, and returns Twilio's message or call SID. It waits
// for that slot, however long, unless ctx ends first: then it returns
// retry=true. Other channels are an error.
func (s *Sender) Send(ctx context.Context, m engine.Message) (providerID string, retry bool, err error) {
	switch m.Channel {
	case engine.ChannelSMS:
		return s.send(ctx, m, s.createMessage)
	case engine.ChannelVoice:
		return s.send(ctx, m, s.createCall)
	default:
		return "", false, fmt.Errorf("twilio send: channel %q not supported", m.Channel)
	}
}

// createFunc asks Twilio to send m from the number from and returns the new
// resource's SID.
type createFunc func(api *openapi.ApiService, m engine.Message, from string) (sid *string, err error)

// send waits for a sender number, calls create with a bounded context and
// classifies the outcome.
func (s *Sender) send(ctx context.Context, m engine.Message, create createFunc) (string, bool, error) {
	if m.To == "" {
		return "", false, fmt.Errorf("twilio send %s: message has no to number", m.Channel)
	}
	if err := ctx.Err(); err != nil {
		return "", true, fmt.Errorf("twilio send %s: %w", m.Channel, err)
	}
	from, waited, err := s.numbers.take(ctx)
	if err != nil {
		return "", true, fmt.Errorf("twilio send %s: %w", m.Channel, err)
	}
	// A page that waited for its slot may have been acknowledged meanwhile;
	// one that did not was wanted when the engine handed it over.
	if waited && m.Wanted != nil && !m.Wanted() {
		return "", false, engine.ErrNotWanted
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel() // create has read and closed the response by then
	sid, err := create(s.api(ctx), m, from)
	if err != nil {
		return "", retryable(err), fmt.Errorf("twilio send %s: %w", m.Channel, s.describe(err))
	}
	if sid == nil || *sid == "" {
		return "", true, fmt.Errorf("twilio send %s: answer has no sid", m.Channel)
	}
	return *sid, false, nil
}

// createMessage sends m as an SMS.
func (s *Sender) createMessage(api *openapi.ApiService, m engine.Message, from string) (*string, error) {
	params := &openapi.CreateMessageParams{}
	params.SetTo(m.To).SetFrom(from).SetBody(m.Body).SetStatusCallback(s.statusURL(m.PageKey))
	msg, err := api.CreateMessage(params)
	if err != nil {
		return nil, err
	}
	return msg.Sid, nil
}

// statusURL is the status callback URL for the page pageKey: Twilio posts
// each status of the message or call there.
func (s *Sender) statusURL(pageKey string) string {
	if pageKey == "" {
		return s.publicURL + StatusCallbackPath
	}
	return s.publicURL + StatusCallbackPath + "?page=" + url.QueryEscape(pageKey)
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

// apiTransport keeps enough connections to the API open for the engine's
// concurrent sends: the default two idle connections per host would make
// most sends dial anew.
func apiTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}
