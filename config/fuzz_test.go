package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/klaxonhq/klaxon/config"
)

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "klaxon.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	seeds := []string{
		string(example),
		"",
		"listen: :8080\n",
		"redis:\n  url: redis://r\n  lease: 5s\n",
		"classify:\n  - match: '{a=~\"(\"}'\n    priority: P1\n",
		"maintenance:\n  - match: '{a=\"b\"}'\n    from: 2026-11-22T04:00:00Z\n    to: 2026-11-22T02:00:00Z\n",
		"twilio:\n  from: [\"+1\"]\n  messages_per_second: -1\n",
		"smtp: [1, 2]\n",
		"integrations: {a: b}\n",
		"tls_cert_file: klaxon.crt\ntls_key_file: klaxon.key\n",
		"tls_cert_file: /dev/zero\ntls_key_file: /dev/stdin\n",
		"tls_key_file: testdata\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	env := envFunc(exampleEnv())
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("klaxon.yaml", data, env)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
	})
}
