package yamlfile_test

import (
	"testing"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

func FuzzDecode(f *testing.F) {
	seeds := []string{
		"",
		"listen: x\nport: 1\n",
		"tags: [a, b]\nlabels: {a: b}\n",
		"items:\n  - name: one\n  - name: two\n",
		"nested:\n  name: a\n  level: high\ntimeout: 1h30m\n",
		"listen: ${X}\nnote: |\n  ${Y} and $${Z}\n",
		"a: &x {b: 1}\nc: *x\n",
		"listen: [\n",
		"- 1\n- 2\n",
		"---\nport: 1\n---\nport: 2\n",
		"timeout: 99999999999999999999w\n",
		"tags: !x\nlisten: !!str 1\nitems: !00 a\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	vars := env(map[string]string{"X": "x", "Y": "${X}"})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s server
		_ = yamlfile.Decode("fuzz.yaml", data, &s, vars)
	})
}
