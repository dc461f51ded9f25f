package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

func exampleEnv() map[string]string {
	return map[string]string{
		"KLAXON_AM_TOKEN":    "am-token",
		"TWILIO_ACCOUNT_SID": "AC123",
		"TWILIO_AUTH_TOKEN":  "twtoken",
		"SMTP_PASSWORD":      "smtp-pass",
		"KLAXON_API_TOKEN":   "api-token",
	}
}

func envFunc(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func mustMatchers(t *testing.T, s string) labels.Matchers {
	t.Helper()
	ms, err := labels.ParseMatchers(s)
	require.NoError(t, err)
	return ms
}

func TestLoadFullExample(t *testing.T) {
	for k, v := range exampleEnv() {
		t.Setenv(k, v)
	}
	path := filepath.Join("testdata", "klaxon.yaml")
	cfg, err := config.Load(path)
	require.NoError(t, err)

	want := &config.Config{
		File:            path,
		Listen:          ":8080",
		PublicURL:       "https://klaxon.example.com",
		DataDir:         filepath.Join("testdata", "data"),
		Rosters:         filepath.Join("testdata", "rosters"),
		IncidentPrefix:  "INC",
		ServiceLabel:    "service",
		Integrations:    []config.Integration{{Name: "prod-alertmanager", Type: "alertmanager", Token: "am-token", Service: "checkout", Line: 10}},
		DefaultPriority: "P2",
		Classify: []config.Rule{
			{Match: `{severity="page",env="prod"}`, Matchers: mustMatchers(t, `{severity="page",env="prod"}`), Priority: "P0", Line: 15},
			{Match: `{category="security"}`, Matchers: mustMatchers(t, `{category="security"}`), Priority: "P1", Service: "security", Category: "security", Line: 17},
			{Match: `{severity="critical"}`, Matchers: mustMatchers(t, `{severity="critical"}`), Priority: "P1", Line: 21},
			{Match: `{severity=~"info|none"}`, Matchers: mustMatchers(t, `{severity=~"info|none"}`), Priority: "P3", Line: 23},
		},
		Maintenance: []config.Window{{
			Match:    `{service="checkout"}`,
			Matchers: mustMatchers(t, `{service="checkout"}`),
			From:     time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC),
			To:       time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC),
			Line:     27,
		}},
		Twilio: &config.Twilio{
			AccountSID: "AC123", AuthToken: "twtoken", From: []string{"+15550001111"},
			APIURL: "https://api.twilio.com", MessagesPerSecond: 1,
		},
		SMTP: &config.SMTP{
			Host: "smtp.example.com", Port: 587, TLS: "starttls",
			Username: "klaxon", Password: "smtp-pass", From: "klaxon@example.com",
		},
		APITokens: []config.APIToken{{Name: "ops", Token: "api-token"}},
		Retention: config.DefaultRetention,
	}
	assertMatchersEqual(t, want, cfg)
	assert.Equal(t, want, cfg)
}

// assertMatchersEqual compares matchers by their text and then clears
// them, since compiled regular expressions do not compare with ==.
func assertMatchersEqual(t *testing.T, want, got *config.Config) {
	t.Helper()
	require.Len(t, got.Classify, len(want.Classify))
	for i := range want.Classify {
		assert.Equal(t, want.Classify[i].Matchers.String(), got.Classify[i].Matchers.String())
		want.Classify[i].Matchers, got.Classify[i].Matchers = nil, nil
	}
	require.Len(t, got.Maintenance, len(want.Maintenance))
	for i := range want.Maintenance {
		assert.Equal(t, want.Maintenance[i].Matchers.String(), got.Maintenance[i].Matchers.String())
		want.Maintenance[i].Matchers, got.Maintenance[i].Matchers = nil, nil
	}
}

func TestLoadMissingFileIsAnError(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestParseAppliesDefaults(t *testing.T) {
	cfg, err := config.Parse("/etc/klaxon/klaxon.yaml", []byte("# all defaults\n"), nil)
	require.NoError(t, err)
	assert.Equal(t, &config.Config{
		File:            "/etc/klaxon/klaxon.yaml",
		Listen:          ":8080",
		DataDir:         "/etc/klaxon/data",
		Rosters:         "/etc/klaxon/rosters",
		IncidentPrefix:  "INC",
		ServiceLabel:    "service",
		DefaultPriority: "P2",
		Integrations:    []config.Integration{},
		Classify:        []config.Rule{},
		Maintenance:     []config.Window{},
		APITokens:       []config.APIToken{},
		Retention:       config.DefaultRetention,
	}, cfg)
}

func TestParseSections(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, cfg *config.Config)
	}{
		{
			name: "absolute paths are kept",
			yaml: "data_dir: /var/lib/klaxon\nrosters: /etc/rosters\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, "/var/lib/klaxon", cfg.DataDir)
				assert.Equal(t, "/etc/rosters", cfg.Rosters)
			},
		},
		{
			name: "redis lease defaults to ten seconds",
			yaml: "redis:\n  url: redis://localhost:6379/0\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, &config.Redis{URL: "redis://localhost:6379/0", Lease: 10 * time.Second}, cfg.Redis)
			},
		},
		{
			name: "redis lease and shards are read",
			yaml: "redis:\n  url: redis://r:6379\n  lease: 1m\n  timer_shards: 16\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, &config.Redis{URL: "redis://r:6379", Lease: time.Minute, TimerShards: 16}, cfg.Redis)
			},
		},
		{
			name: "no redis section means the embedded store",
			yaml: "listen: :9000\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Nil(t, cfg.Redis)
				assert.Nil(t, cfg.Twilio)
				assert.Nil(t, cfg.SMTP)
			},
		},
		{
			name: "twilio api url and rate default",
			yaml: "public_url: http://localhost:8080\ntwilio:\n  account_sid: AC1\n  auth_token: t\n  from: [\"+15550001111\", \"+15550002222\"]\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, &config.Twilio{AccountSID: "AC1", AuthToken: "t", From: []string{"+15550001111", "+15550002222"},
					APIURL: "https://api.twilio.com", MessagesPerSecond: 1}, cfg.Twilio)
			},
		},
		{
			name: "smtp port follows the tls mode",
			yaml: "smtp:\n  host: mail\n  tls: tls\n  from: k@example.com\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, &config.SMTP{Host: "mail", Port: 465, TLS: "tls", From: "k@example.com"}, cfg.SMTP)
			},
		},
		{
			name: "smtp tls defaults to starttls",
			yaml: "smtp:\n  host: mail\n  from: k@example.com\n",
			check: func(t *testing.T, cfg *config.Config) {
				assert.Equal(t, &config.SMTP{Host: "mail", Port: 587, TLS: "starttls", From: "k@example.com"}, cfg.SMTP)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("klaxon.yaml", []byte(tt.yaml), nil)
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestParseExpandsEnvironment(t *testing.T) {
	data := "public_url: https://${HOST}\nintegrations:\n  - name: am\n    type: alertmanager\n    token: ${TOKEN}\n"
	cfg, err := config.Parse("klaxon.yaml", []byte(data), envFunc(map[string]string{"HOST": "k.example.com", "TOKEN": "s3cret"}))
	require.NoError(t, err)
	assert.Equal(t, "https://k.example.com", cfg.PublicURL)
	assert.Equal(t, "s3cret", cfg.Integrations[0].Token)
}

func TestParseUnsetEnvironmentVariable(t *testing.T) {
	data := "listen: :8080\napi_tokens:\n  - name: ops\n    token: ${KLAXON_API_TOKEN}\n"
	_, err := config.Parse("klaxon.yaml", []byte(data), envFunc(nil))
	require.EqualError(t, err, "klaxon.yaml:4: environment variable KLAXON_API_TOKEN is not set")
}

func TestParseUnknownField(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{name: "top level", yaml: "listen: :8080\n\nlisten_addr: :9090\n", want: `klaxon.yaml:3: unknown field "listen_addr"`},
		{name: "inside a section", yaml: "smtp:\n  host: h\n  from: f@x\n  prot: 25\n", want: `klaxon.yaml:4: unknown field "prot"`},
		{name: "inside a list item", yaml: "integrations:\n  - name: a\n    type: datadog\n    tokn: x\n", want: `klaxon.yaml:4: unknown field "tokn"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("klaxon.yaml", []byte(tt.yaml), nil)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestParseValidation(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{
			name: "unparsable matcher",
			yaml: "classify:\n  - match: '{severity page}'\n    priority: P1\n",
			want: `klaxon.yaml:2: classify[0].match: cannot parse matchers "{severity page}": `,
		},
		{
			name: "classify rule without match",
			yaml: "classify:\n  - priority: P1\n",
			want: "klaxon.yaml:2: classify[0].match: is required",
		},
		{
			name: "priority outside P0 to P3",
			yaml: "classify:\n  - match: '{a=\"b\"}'\n    priority: P5\n",
			want: `klaxon.yaml:3: classify[0].priority: "P5" is not one of P0, P1, P2, P3`,
		},
		{
			name: "classify rule without priority",
			yaml: "classify:\n  - match: '{a=\"b\"}'\n    service: x\n",
			want: "klaxon.yaml:2: classify[0].priority: is required (one of P0, P1, P2, P3)",
		},
		{
			name: "default priority outside P0 to P3",
			yaml: "listen: :1\ndefault_priority: high\n",
			want: `klaxon.yaml:2: default_priority: "high" is not one of P0, P1, P2, P3`,
		},
		{
			name: "unknown integration type",
			yaml: "integrations:\n  - name: a\n    type: prometheus\n    token: t\n",
			want: `klaxon.yaml:3: integrations[0].type: "prometheus" is not one of alertmanager, datadog, pagerduty`,
		},
		{
			name: "duplicate integration name",
			yaml: "integrations:\n  - name: a\n    type: datadog\n    token: t1\n  - name: a\n    type: datadog\n    token: t2\n",
			want: `klaxon.yaml:5: integrations[1].name: duplicate name "a" (also on line 2)`,
		},
		{
			name: "duplicate integration token is not echoed",
			yaml: "integrations:\n  - name: a\n    type: datadog\n    token: same\n  - name: b\n    type: datadog\n    token: same\n",
			want: "klaxon.yaml:7: integrations[1].token: duplicate token (also on line 4)",
		},
		{
			name: "empty integration token",
			yaml: "integrations:\n  - name: a\n    type: datadog\n    token: \"\"\n",
			want: "klaxon.yaml:4: integrations[0].token: is required",
		},
		{
			name: "missing integration token points at the item",
			yaml: "listen: :1\nintegrations:\n  - name: a\n    type: datadog\n",
			want: "klaxon.yaml:3: integrations[0].token: is required",
		},
		{
			name: "public url missing when twilio is set",
			yaml: "twilio:\n  account_sid: a\n  auth_token: t\n  from: [\"+15550001111\"]\n",
			want: "klaxon.yaml:2: public_url: is required when twilio is set: Twilio callbacks are signed against it",
		},
		{
			name: "public url not absolute when twilio is set",
			yaml: "public_url: klaxon.example.com\ntwilio:\n  account_sid: a\n  auth_token: t\n  from: [\"+15550001111\"]\n",
			want: `klaxon.yaml:1: public_url: "klaxon.example.com" is not an absolute http or https URL`,
		},
		{
			name: "public url with another scheme",
			yaml: "public_url: ftp://k.example.com\ntwilio:\n  account_sid: a\n  auth_token: t\n  from: [\"+15550001111\"]\n",
			want: `klaxon.yaml:1: public_url: "ftp://k.example.com" is not an absolute http or https URL`,
		},
		{
			name: "maintenance to before from",
			yaml: "maintenance:\n  - match: '{a=\"b\"}'\n    from: 2026-11-22T04:00:00Z\n    to: 2026-11-22T02:00:00Z\n",
			want: "klaxon.yaml:4: maintenance[0].to: 2026-11-22T02:00:00Z is not after from (2026-11-22T04:00:00Z)",
		},
		{
			name: "maintenance time without offset",
			yaml: "maintenance:\n  - match: '{a=\"b\"}'\n    from: 2026-11-22 04:00\n    to: 2026-11-22T06:00:00Z\n",
			want: `klaxon.yaml:3: maintenance[0].from: "2026-11-22 04:00" is not an RFC 3339 time such as 2026-11-22T02:00:00Z`,
		},
		{
			name: "smtp tls not one of the three",
			yaml: "smtp:\n  host: h\n  from: f@x\n  tls: ssl\n",
			want: `klaxon.yaml:4: smtp.tls: "ssl" is not one of starttls, tls, none`,
		},
		{
			name: "smtp port out of range",
			yaml: "smtp:\n  host: h\n  from: f@x\n  port: 70000\n",
			want: "klaxon.yaml:4: smtp.port: 70000 is not a TCP port",
		},
		{
			name: "twilio from not E.164",
			yaml: "public_url: https://k\ntwilio:\n  account_sid: a\n  auth_token: t\n  from:\n    - \"+15550001111\"\n    - \"555-0001\"\n",
			want: `klaxon.yaml:7: twilio.from[1]: "555-0001" is not an E.164 number such as +15550001111`,
		},
		{
			name: "twilio without sender numbers",
			yaml: "public_url: https://k\ntwilio:\n  account_sid: a\n  auth_token: t\n",
			want: "klaxon.yaml:3: twilio.from: at least one sender number is required",
		},
		{
			name: "twilio messages per second zero",
			yaml: "public_url: https://k\ntwilio:\n  account_sid: a\n  auth_token: t\n  from: [\"+15550001111\"]\n  messages_per_second: 0\n",
			want: "klaxon.yaml:6: twilio.messages_per_second: must be more than 0, got 0",
		},
		{
			name: "twilio messages per second negative",
			yaml: "public_url: https://k\ntwilio:\n  account_sid: a\n  auth_token: t\n  from: [\"+15550001111\"]\n  messages_per_second: -2.5\n",
			want: "klaxon.yaml:6: twilio.messages_per_second: must be more than 0, got -2.5",
		},
		{
			name: "empty api token",
			yaml: "api_tokens:\n  - name: ops\n    token: \"\"\n",
			want: "klaxon.yaml:3: api_tokens[0].token: is required",
		},
		{
			name: "redis without url",
			yaml: "redis:\n  lease: 5s\n",
			want: "klaxon.yaml:2: redis.url: is required",
		},
		{
			name: "redis with bad lease",
			yaml: "redis:\n  url: redis://r\n  lease: soon\n",
			want: `klaxon.yaml:3: invalid duration "soon": use a number and a unit such as 30s, 5m, 12h, 1d or 1w`,
		},
		{
			name: "incident prefix with a dash",
			yaml: "incident_prefix: INC-\n",
			want: `klaxon.yaml:1: incident_prefix: "INC-" must be letters and digits, starting with a letter`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("klaxon.yaml", []byte(tt.yaml), nil)
			require.Error(t, err)
			var errs yamlfile.Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "all problems: %v", err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "got %q", err.Error())
		})
	}
}

func TestParseReportsEveryProblemInOneRun(t *testing.T) {
	data := `incident_prefix: INC
default_priority: P9
integrations:
  - name: am
    type: alertmanager
    token: t
  - name: am
    type: nagios
    token: t
classify:
  - match: '{a=~"("}'
    priority: P1
smtp:
  host: h
  from: f@x
  tls: ssl
`
	_, err := config.Parse("klaxon.yaml", []byte(data), nil)
	require.Error(t, err)
	var errs yamlfile.Errors
	require.ErrorAs(t, err, &errs)
	lines := make([]int, len(errs))
	for i, e := range errs {
		lines[i] = e.Line
		assert.Equal(t, "klaxon.yaml", e.File)
	}
	assert.ElementsMatch(t, []int{2, 7, 8, 9, 11, 16}, lines, "got:\n%v", err)
}

func TestTwilioCredentialsMustBeAlphanumeric(t *testing.T) {
	_, err := config.Parse("k.yaml", []byte("public_url: https://k.example\ntwilio:\n  account_sid: AC-1\n  auth_token: not/secret\n  from: [\"+15550001111\"]\n"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "k.yaml:3: twilio.account_sid: must be letters and digits only")
	assert.Contains(t, err.Error(), "k.yaml:4: twilio.auth_token: must be letters and digits only")
	assert.NotContains(t, err.Error(), "not/secret")
}
