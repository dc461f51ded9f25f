// Package config owns klaxon.yaml: the server's settings, integrations,
// classification rules, maintenance windows and provider credentials. It
// loads the file, expands ${NAME} from the environment, decodes it strictly
// and validates it, reporting every problem as "file:line: message".
package config

import (
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// Config is a validated klaxon.yaml. Paths are resolved against the
// directory of the file it was loaded from.
type Config struct {
	File            string // path it was loaded from
	Listen          string // HTTP listen address
	TLSCertFile     string // PEM certificate chain to serve HTTPS with; "" serves plain HTTP
	TLSKeyFile      string // PEM private key of TLSCertFile; set exactly when it is
	PublicURL       string // base of the callback URLs given to Twilio
	DataDir         string // directory of the embedded store
	Rosters         string // directory of roster files
	IncidentPrefix  string // prefix of incident keys, e.g. INC in INC-42
	ServiceLabel    string // alert label that names the service
	Redis           *Redis // nil: use the embedded store in DataDir
	Integrations    []Integration
	Classify        []Rule // first match wins
	DefaultPriority string // priority of an alert no rule matches
	Maintenance     []Window
	Twilio          *Twilio // nil when absent
	SMTP            *SMTP   // nil when absent
	APITokens       []APIToken
	// Retention is how long a resolved incident (and an event) stays
	// readable before it is removed.
	Retention time.Duration
}

// Redis selects the Redis store instead of the embedded one.
type Redis struct {
	URL         string        // redis://, rediss://, sentinel or cluster address
	Lease       time.Duration // how long a replica holds a claimed timer
	TimerShards int           // 0 lets the store choose
	Prefix      string        // names the deployment's keys; "" is "klaxon"
}

// Integration is one alert source with its bearer token.
type Integration struct {
	Name    string
	Type    string // alertmanager, datadog or pagerduty
	Token   string
	Service string // service of alerts that name none
	Line    int
}

// Rule is one classify rule: alerts whose labels match get its priority,
// and its service and category when set.
type Rule struct {
	Match    string // the matchers as written
	Matchers labels.Matchers
	Priority string // P0 to P3
	Service  string
	Category string
	Line     int
}

// Window is a maintenance window: matching alerts in [From, To) are events.
type Window struct {
	Match    string
	Matchers labels.Matchers
	From, To time.Time
	Line     int
}

// Twilio holds the SMS and voice provider's account settings.
type Twilio struct {
	AccountSID         string
	AuthToken          string
	AuthTokenSecondary string   // also accepted on inbound webhooks, for token rotation
	From               []string // sender numbers, E.164
	APIURL             string
	MessagesPerSecond  float64 // per sender number
}

// SMTP holds the mail server used for email pages and stakeholder mail.
type SMTP struct {
	Host     string
	Port     int
	TLS      string // starttls, tls or none
	Username string
	Password string
	From     string
}

// APIToken is a bearer token for the operator API.
type APIToken struct {
	Name  string
	Token string
}

// Defaults applied when klaxon.yaml leaves a setting out.
const (
	DefaultListen            = ":8080"
	DefaultDataDir           = "./data"
	DefaultRosters           = "./rosters"
	DefaultIncidentPrefix    = "INC"
	DefaultRetention         = 30 * 24 * time.Hour
	DefaultServiceLabel      = "service"
	DefaultPriority          = "P2"
	DefaultTwilioAPIURL      = "https://api.twilio.com"
	DefaultMessagesPerSecond = 1.0
	DefaultRedisLease        = 10 * time.Second
)
