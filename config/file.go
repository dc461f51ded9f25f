package config

import "github.com/klaxonhq/klaxon/internal/yamlfile"

// The types below mirror klaxon.yaml as written. Located fields keep their
// lines for validation; a Line of 0 means the field was left out.

type str = yamlfile.Located[string]

type fileConfig struct {
	Listen          str                                 `yaml:"listen"`
	TLSCertFile     str                                 `yaml:"tls_cert_file"`
	TLSKeyFile      str                                 `yaml:"tls_key_file"`
	PublicURL       str                                 `yaml:"public_url"`
	DataDir         str                                 `yaml:"data_dir"`
	Redis           *yamlfile.Located[fileRedis]        `yaml:"redis"`
	Rosters         str                                 `yaml:"rosters"`
	IncidentPrefix  str                                 `yaml:"incident_prefix"`
	ServiceLabel    str                                 `yaml:"service_label"`
	Integrations    []yamlfile.Located[fileIntegration] `yaml:"integrations"`
	Classify        []yamlfile.Located[fileRule]        `yaml:"classify"`
	DefaultPriority str                                 `yaml:"default_priority"`
	Maintenance     []yamlfile.Located[fileWindow]      `yaml:"maintenance"`
	Twilio          *yamlfile.Located[fileTwilio]       `yaml:"twilio"`
	SMTP            *yamlfile.Located[fileSMTP]         `yaml:"smtp"`
	APITokens       []yamlfile.Located[fileAPIToken]    `yaml:"api_tokens"`
	Retention       yamlfile.Located[yamlfile.Duration] `yaml:"retention"`
}

type fileRedis struct {
	URL         str                                 `yaml:"url"`
	Lease       yamlfile.Located[yamlfile.Duration] `yaml:"lease"`
	TimerShards yamlfile.Located[int]               `yaml:"timer_shards"`
	Prefix      str                                 `yaml:"prefix"`
}

type fileIntegration struct {
	Name    str    `yaml:"name"`
	Type    str    `yaml:"type"`
	Token   str    `yaml:"token"`
	Service string `yaml:"service"`
}

type fileRule struct {
	Match    str    `yaml:"match"`
	Priority str    `yaml:"priority"`
	Service  string `yaml:"service"`
	Category string `yaml:"category"`
}

type fileWindow struct {
	Match str `yaml:"match"`
	From  str `yaml:"from"`
	To    str `yaml:"to"`
}

type fileTwilio struct {
	AccountSID         str                       `yaml:"account_sid"`
	AuthToken          str                       `yaml:"auth_token"`
	AuthTokenSecondary string                    `yaml:"auth_token_secondary"`
	From               []str                     `yaml:"from"`
	APIURL             str                       `yaml:"api_url"`
	MessagesPerSecond  yamlfile.Located[float64] `yaml:"messages_per_second"`
}

type fileSMTP struct {
	Host     str                   `yaml:"host"`
	Port     yamlfile.Located[int] `yaml:"port"`
	TLS      str                   `yaml:"tls"`
	Username string                `yaml:"username"`
	Password string                `yaml:"password"`
	From     str                   `yaml:"from"`
}

type fileAPIToken struct {
	Name  str `yaml:"name"`
	Token str `yaml:"token"`
}

// defaults is the file as if every optional top-level setting were written
// with its default value.
func defaults() fileConfig {
	return fileConfig{
		Listen:          str{Value: DefaultListen},
		DataDir:         str{Value: DefaultDataDir},
		Rosters:         str{Value: DefaultRosters},
		IncidentPrefix:  str{Value: DefaultIncidentPrefix},
		ServiceLabel:    str{Value: DefaultServiceLabel},
		DefaultPriority: str{Value: DefaultPriority},
		Retention:       yamlfile.Located[yamlfile.Duration]{Value: yamlfile.Duration(DefaultRetention)},
	}
}
