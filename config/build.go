package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// builder turns the file as written into a Config, collecting every
// problem rather than stopping at the first.
type builder struct {
	file string
	errs yamlfile.Errors
}

// problem records a problem with field at line.
func (b *builder) problem(line int, field, format string, args ...any) {
	b.errs.Add(b.file, line, "%s: %s", field, fmt.Sprintf(format, args...))
}

// build checks and converts every section.
func (b *builder) build(raw *fileConfig) *Config {
	cfg := &Config{
		File:            b.file,
		Listen:          b.required(raw.Listen, 0, "listen"),
		PublicURL:       raw.PublicURL.Value,
		DataDir:         resolve(b.file, b.required(raw.DataDir, 0, "data_dir")),
		Rosters:         resolve(b.file, b.required(raw.Rosters, 0, "rosters")),
		IncidentPrefix:  b.incidentPrefix(raw.IncidentPrefix),
		ServiceLabel:    b.serviceLabel(raw.ServiceLabel),
		DefaultPriority: b.priority(raw.DefaultPriority, 0, "default_priority"),
		Redis:           b.redis(raw.Redis),
		Integrations:    b.integrations(raw.Integrations),
		Classify:        b.classify(raw.Classify),
		Maintenance:     b.maintenance(raw.Maintenance),
		Twilio:          b.twilio(raw.Twilio),
		SMTP:            b.smtp(raw.SMTP),
		APITokens:       b.apiTokens(raw.APITokens),
		Retention:       b.retention(raw.Retention),
	}
	if cfg.Twilio != nil {
		b.publicURL(raw.PublicURL, raw.Twilio.Line)
	}
	cfg.TLSCertFile, cfg.TLSKeyFile = b.tls(raw.TLSCertFile, raw.TLSKeyFile)
	return cfg
}

// required returns s's value, reporting it at s's line (or fallback when
// absent) when it is empty.
func (b *builder) required(s str, fallback int, field string) string {
	if s.Value == "" {
		b.problem(lineOr(s.Line, fallback), field, "is required")
	}
	return s.Value
}

var (
	prefixRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	labelNameRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	e164RE         = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	alphanumericRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	priorityList   = "P0, P1, P2, P3"
)

func (b *builder) incidentPrefix(s str) string {
	if !prefixRE.MatchString(s.Value) {
		b.problem(s.Line, "incident_prefix", "%q must be letters and digits, starting with a letter", s.Value)
	}
	return s.Value
}

func (b *builder) retention(d yamlfile.Located[yamlfile.Duration]) time.Duration {
	if d.Value < yamlfile.Duration(time.Hour) {
		b.problem(d.Line, "retention", "must be at least 1h")
	}
	return time.Duration(d.Value)
}

func (b *builder) serviceLabel(s str) string {
	if !labelNameRE.MatchString(s.Value) {
		b.problem(s.Line, "service_label", "%q is not a valid label name", s.Value)
	}
	return s.Value
}

// priority checks that s is one of P0 to P3.
func (b *builder) priority(s str, fallback int, field string) string {
	switch s.Value {
	case "P0", "P1", "P2", "P3":
	case "":
		b.problem(lineOr(s.Line, fallback), field, "is required (one of %s)", priorityList)
	default:
		b.problem(lineOr(s.Line, fallback), field, "%q is not one of %s", s.Value, priorityList)
	}
	return s.Value
}

// matchers parses an Alertmanager matcher list such as {a="b",c=~"x|y"}.
func (b *builder) matchers(s str, fallback int, field string) labels.Matchers {
	if s.Value == "" {
		b.problem(lineOr(s.Line, fallback), field, "is required")
		return nil
	}
	ms, err := labels.ParseMatchers(s.Value)
	if err != nil {
		b.problem(s.Line, field, "cannot parse matchers %q: %v", s.Value, err)
		return nil
	}
	return ms
}

// timestamp parses an RFC 3339 time with an explicit offset.
func (b *builder) timestamp(s str, fallback int, field string) time.Time {
	if s.Value == "" {
		b.problem(lineOr(s.Line, fallback), field, "is required")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s.Value)
	if err != nil {
		b.problem(s.Line, field, "%q is not an RFC 3339 time such as 2026-11-22T02:00:00Z", s.Value)
	}
	return t
}

// httpURL checks that s is an absolute http or https URL.
func (b *builder) httpURL(s str, fallback int, field string) {
	u, err := url.Parse(s.Value)
	switch {
	case s.Value == "":
		b.problem(lineOr(s.Line, fallback), field, "is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		b.problem(s.Line, field, "%q is not an absolute http or https URL", s.Value)
	}
}

// publicURL checks public_url, which Twilio callbacks need.
func (b *builder) publicURL(s str, twilioLine int) {
	if s.Value == "" {
		b.problem(twilioLine, "public_url", "is required when twilio is set: Twilio callbacks are signed against it")
		return
	}
	b.httpURL(s, twilioLine, "public_url")
}

// lineOr returns the first non-zero line.
func lineOr(lines ...int) int {
	for _, l := range lines {
		if l != 0 {
			return l
		}
	}
	return 0
}
