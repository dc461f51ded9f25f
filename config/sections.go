package config

import (
	"fmt"
	"time"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

func (b *builder) redis(raw *yamlfile.Located[fileRedis]) *Redis {
	if raw == nil {
		return nil
	}
	r := &Redis{
		URL:         b.required(raw.Value.URL, raw.Line, "redis.url"),
		Lease:       DefaultRedisLease,
		TimerShards: raw.Value.TimerShards.Value,
		Prefix:      raw.Value.Prefix.Value,
	}
	if l := raw.Value.Lease; l.Line != 0 {
		r.Lease = time.Duration(l.Value)
		if r.Lease <= 0 {
			b.problem(l.Line, "redis.lease", "must be more than 0")
		}
	}
	if p := raw.Value.Prefix; p.Value != "" && !prefixRE.MatchString(p.Value) {
		b.problem(p.Line, "redis.prefix", "%q must be letters and digits, starting with a letter", p.Value)
	}
	if r.TimerShards < 0 {
		b.problem(raw.Value.TimerShards.Line, "redis.timer_shards", "must not be negative")
	}
	return r
}

var integrationTypes = map[string]bool{"alertmanager": true, "datadog": true, "pagerduty": true}

func (b *builder) integrations(raw []yamlfile.Located[fileIntegration]) []Integration {
	out := make([]Integration, 0, len(raw))
	names := map[string]int{}
	tokens := map[string]int{}
	for i, item := range raw {
		r := item.Value
		field := fmt.Sprintf("integrations[%d]", i)
		in := Integration{Name: r.Name.Value, Type: r.Type.Value, Token: r.Token.Value, Service: r.Service, Line: item.Line}
		if b.required(r.Name, item.Line, field+".name") != "" {
			b.unique(names, r.Name, field+".name", false)
		}
		if !integrationTypes[in.Type] {
			b.problem(lineOr(r.Type.Line, item.Line), field+".type", "%q is not one of alertmanager, datadog, pagerduty", in.Type)
		}
		if b.required(r.Token, item.Line, field+".token") != "" {
			b.unique(tokens, r.Token, field+".token", true)
		}
		out = append(out, in)
	}
	return out
}

// unique reports s when seen already holds its value, and records its line.
// A secret's value is never echoed, only the line of its first use.
func (b *builder) unique(seen map[string]int, s str, field string, secret bool) {
	first, dup := seen[s.Value]
	switch {
	case !dup:
		seen[s.Value] = s.Line
	case secret:
		b.problem(s.Line, field, "duplicate token (also on line %d)", first)
	default:
		b.problem(s.Line, field, "duplicate name %q (also on line %d)", s.Value, first)
	}
}

func (b *builder) classify(raw []yamlfile.Located[fileRule]) []Rule {
	out := make([]Rule, 0, len(raw))
	for i, item := range raw {
		r := item.Value
		field := fmt.Sprintf("classify[%d]", i)
		out = append(out, Rule{
			Match:    r.Match.Value,
			Matchers: b.matchers(r.Match, item.Line, field+".match"),
			Priority: b.priority(r.Priority, item.Line, field+".priority"),
			Service:  r.Service,
			Category: r.Category,
			Line:     item.Line,
		})
	}
	return out
}

func (b *builder) maintenance(raw []yamlfile.Located[fileWindow]) []Window {
	out := make([]Window, 0, len(raw))
	for i, item := range raw {
		r := item.Value
		field := fmt.Sprintf("maintenance[%d]", i)
		w := Window{
			Match:    r.Match.Value,
			Matchers: b.matchers(r.Match, item.Line, field+".match"),
			From:     b.timestamp(r.From, item.Line, field+".from"),
			To:       b.timestamp(r.To, item.Line, field+".to"),
			Line:     item.Line,
		}
		if !w.From.IsZero() && !w.To.IsZero() && !w.To.After(w.From) {
			b.problem(lineOr(r.To.Line, item.Line), field+".to", "%s is not after from (%s)", r.To.Value, r.From.Value)
		}
		out = append(out, w)
	}
	return out
}

func (b *builder) twilio(raw *yamlfile.Located[fileTwilio]) *Twilio {
	if raw == nil {
		return nil
	}
	r := raw.Value
	tw := &Twilio{
		AccountSID:         b.required(r.AccountSID, raw.Line, "twilio.account_sid"),
		AuthToken:          b.required(r.AuthToken, raw.Line, "twilio.auth_token"),
		AuthTokenSecondary: r.AuthTokenSecondary,
		APIURL:             DefaultTwilioAPIURL,
		MessagesPerSecond:  DefaultMessagesPerSecond,
	}
	for _, f := range []struct {
		s     str
		field string
	}{{r.AccountSID, "twilio.account_sid"}, {r.AuthToken, "twilio.auth_token"}} {
		if f.s.Value != "" && !alphanumericRE.MatchString(f.s.Value) {
			// Twilio's credentials are letters and digits; the value is not
			// repeated, as it is a secret.
			b.problem(lineOr(f.s.Line, raw.Line), f.field, "must be letters and digits only")
		}
	}
	if len(r.From) == 0 {
		b.problem(raw.Line, "twilio.from", "at least one sender number is required")
	}
	for i, from := range r.From {
		if !e164RE.MatchString(from.Value) {
			b.problem(lineOr(from.Line, raw.Line), fmt.Sprintf("twilio.from[%d]", i), "%q is not an E.164 number such as +15550001111", from.Value)
		}
		tw.From = append(tw.From, from.Value)
	}
	if r.APIURL.Line != 0 {
		tw.APIURL = r.APIURL.Value
		b.httpURL(r.APIURL, raw.Line, "twilio.api_url")
	}
	if mps := r.MessagesPerSecond; mps.Line != 0 {
		tw.MessagesPerSecond = mps.Value
		if mps.Value <= 0 {
			b.problem(mps.Line, "twilio.messages_per_second", "must be more than 0, got %v", mps.Value)
		}
	}
	return tw
}

// smtpPorts is the usual port for each TLS mode.
var smtpPorts = map[string]int{"starttls": 587, "tls": 465, "none": 25}

func (b *builder) smtp(raw *yamlfile.Located[fileSMTP]) *SMTP {
	if raw == nil {
		return nil
	}
	r := raw.Value
	s := &SMTP{
		Host:     b.required(r.Host, raw.Line, "smtp.host"),
		Port:     r.Port.Value,
		TLS:      r.TLS.Value,
		Username: r.Username,
		Password: r.Password,
		From:     b.required(r.From, raw.Line, "smtp.from"),
	}
	if r.TLS.Line == 0 {
		s.TLS = "starttls"
	}
	if _, ok := smtpPorts[s.TLS]; !ok {
		b.problem(r.TLS.Line, "smtp.tls", "%q is not one of starttls, tls, none", s.TLS)
	}
	if r.Port.Line == 0 {
		s.Port = smtpPorts[s.TLS]
	} else if s.Port < 1 || s.Port > 65535 {
		b.problem(r.Port.Line, "smtp.port", "%d is not a TCP port", s.Port)
	}
	return s
}

func (b *builder) apiTokens(raw []yamlfile.Located[fileAPIToken]) []APIToken {
	out := make([]APIToken, 0, len(raw))
	names := map[string]int{}
	tokens := map[string]int{}
	for i, item := range raw {
		r := item.Value
		field := fmt.Sprintf("api_tokens[%d]", i)
		if b.required(r.Name, item.Line, field+".name") != "" {
			b.unique(names, r.Name, field+".name", false)
		}
		if b.required(r.Token, item.Line, field+".token") != "" {
			b.unique(tokens, r.Token, field+".token", true)
		}
		out = append(out, APIToken{Name: r.Name.Value, Token: r.Token.Value})
	}
	return out
}
