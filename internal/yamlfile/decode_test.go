package yamlfile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

type server struct {
	Listen  string            `yaml:"listen"`
	Port    int               `yaml:"port"`
	Tags    []string          `yaml:"tags"`
	Labels  map[string]string `yaml:"labels"`
	Timeout yamlfile.Duration `yaml:"timeout"`
	Nested  struct {
		Name  yamlfile.Located[string] `yaml:"name"`
		Level level                    `yaml:"level"`
	} `yaml:"nested"`
	Items []item `yaml:"items"`
	Note  string `yaml:"note"`
}

// level is a custom leaf type that rejects anything but low or high.
type level string

func (l *level) UnmarshalYAML(node ast.Node) error {
	s, ok := node.(*ast.StringNode)
	if !ok || (s.Value != "low" && s.Value != "high") {
		return yamlfile.NodeError(node, "level must be low or high")
	}
	*l = level(s.Value)
	return nil
}

// item decodes itself through an alias and records its line.
type item struct {
	Name string `yaml:"name"`
	Line int    `yaml:"-"`
}

func (it *item) UnmarshalYAML(node ast.Node) error {
	type plain item
	var p plain
	if err := yamlfile.DecodeNode(node, &p); err != nil {
		return err
	}
	*it = item(p)
	it.Line = yamlfile.Line(node)
	return nil
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestDecodeFillsValues(t *testing.T) {
	data := `listen: ":9090"
port: 8080
tags: [a, b]
labels: {team: sre}
timeout: 1d
nested:
  name: alpha
  level: high
items:
  - name: one
  - name: two
`
	var s server
	require.NoError(t, yamlfile.Decode("k.yaml", []byte(data), &s, nil))
	assert.Equal(t, ":9090", s.Listen)
	assert.Equal(t, 8080, s.Port)
	assert.Equal(t, []string{"a", "b"}, s.Tags)
	assert.Equal(t, map[string]string{"team": "sre"}, s.Labels)
	assert.Equal(t, 24*time.Hour, time.Duration(s.Timeout))
	assert.Equal(t, yamlfile.Located[string]{Value: "alpha", Line: 7}, s.Nested.Name)
	assert.Equal(t, level("high"), s.Nested.Level)
	assert.Equal(t, []item{{Name: "one", Line: 10}, {Name: "two", Line: 11}}, s.Items)
}

func TestDecodeKeepsPresetValuesForAbsentFields(t *testing.T) {
	s := server{Listen: ":8080", Port: 1}
	require.NoError(t, yamlfile.Decode("k.yaml", []byte("port: 2\n"), &s, nil))
	assert.Equal(t, ":8080", s.Listen)
	assert.Equal(t, 2, s.Port)
}

func TestDecodeEmptyFileLeavesValueAlone(t *testing.T) {
	s := server{Listen: ":8080"}
	require.NoError(t, yamlfile.Decode("k.yaml", []byte("# nothing here\n"), &s, nil))
	assert.Equal(t, ":8080", s.Listen)
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "unknown top-level field names the field and its line",
			data: "listen: x\nport: 1\nlisten_addr: y\n",
			want: `k.yaml:3: unknown field "listen_addr"`,
		},
		{
			name: "unknown field inside a list item is found",
			data: "items:\n  - name: a\n  - nme: b\n",
			want: `k.yaml:3: unknown field "nme"`,
		},
		{
			name: "wrong scalar type says what was expected",
			data: "listen: x\nport: eighty\n",
			want: `k.yaml:2: cannot use "eighty" here: expected an integer`,
		},
		{
			name: "a list where a scalar belongs is named as a list",
			data: "listen: x\nport: [1, 2]\n",
			want: "k.yaml:2: cannot use a list here: expected an integer",
		},
		{
			name: "number too large for its field",
			data: "port: 99999999999999999999999\n",
			want: "k.yaml:1: number 99999999999999999999999 is out of range",
		},
		{
			name: "alias to a missing anchor",
			data: "listen: &a x\nnote: *b\n",
			want: `k.yaml:2: could not find alias "b"`,
		},
		{
			name: "custom leaf type reports its own line",
			data: "nested:\n  name: a\n  level: medium\n",
			want: "k.yaml:3: level must be low or high",
		},
		{
			name: "bad duration is positioned",
			data: "port: 1\ntimeout: 5 minutes\n",
			want: `k.yaml:2: invalid duration "5 minutes": use a number and a unit such as 30s, 5m, 12h, 1d or 1w`,
		},
		{
			name: "duration that is a mapping is positioned",
			data: "timeout:\n  x: 1\n",
			want: "k.yaml:2: expected a duration such as 30s, 5m, 12h or 1d",
		},
		{
			name: "syntax error is one line with a line number",
			data: "listen: x\nport: [1, 2\n",
			want: "k.yaml:2:",
		},
		{
			name: "duplicate key is positioned",
			data: "listen: x\nlisten: y\n",
			want: "k.yaml:2:",
		},
		{
			name: "a YAML tag is rejected",
			data: "listen: x\ntags: !custom\n  - a\n",
			want: `k.yaml:2: YAML tags such as "!custom" are not supported`,
		},
		{
			name: "a second document is rejected",
			data: "listen: x\n---\nlisten: y\n",
			want: "k.yaml:3: only one YAML document is allowed per file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s server
			err := yamlfile.Decode("k.yaml", []byte(tt.data), &s, nil)
			require.Error(t, err)
			var errs yamlfile.Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "got %q", err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestDecodeExpandsEnvironment(t *testing.T) {
	vars := env(map[string]string{"ADDR": ":9999", "TEAM": "sre", "A": "1", "B": "2", "PORT": "8081"})
	tests := []struct {
		name string
		data string
		want server
	}{
		{name: "plain scalar", data: "listen: ${ADDR}\n", want: server{Listen: ":9999"}},
		{name: "quoted scalar with text around", data: `listen: "host${ADDR}/x"` + "\n", want: server{Listen: "host:9999/x"}},
		{name: "several references", data: "listen: ${A}-${B}\n", want: server{Listen: "1-2"}},
		{name: "list items", data: "tags: [\"${A}\", b]\n", want: server{Tags: []string{"1", "b"}}},
		{name: "map values but not map keys", data: "labels:\n  ${TEAM}: ${TEAM}\n", want: server{Labels: map[string]string{"${TEAM}": "sre"}}},
		{name: "block literal", data: "note: |\n  team ${TEAM}\n", want: server{Note: "team sre\n"}},
		{name: "number from the environment", data: "port: ${PORT}\n", want: server{Port: 8081}},
		{name: "escaped reference stays literal", data: "listen: $${ADDR}\n", want: server{Listen: "${ADDR}"}},
		{name: "dollar without brace is left alone", data: "listen: $ADDR\n", want: server{Listen: "$ADDR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s server
			require.NoError(t, yamlfile.Decode("k.yaml", []byte(tt.data), &s, vars))
			assert.Equal(t, tt.want, s)
		})
	}
}

func TestDecodeEnvironmentProblems(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{
			name: "unset variable names it with its line",
			data: "port: 1\nlisten: ${MISSING}\n",
			want: "k.yaml:2: environment variable MISSING is not set",
		},
		{
			name: "every unset variable is reported",
			data: "listen: ${ONE}\ntags:\n  - ${TWO}\n",
			want: "k.yaml:1: environment variable ONE is not set\nk.yaml:3: environment variable TWO is not set",
		},
		{
			name: "unterminated reference",
			data: "listen: ${OOPS\n",
			want: "k.yaml:1: unterminated ${ in string value",
		},
		{
			name: "invalid name",
			data: "listen: ${1X}\n",
			want: `k.yaml:1: invalid environment variable name "1X"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s server
			err := yamlfile.Decode("k.yaml", []byte(tt.data), &s, env(nil))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestDecodeWithoutEnvLeavesReferences(t *testing.T) {
	var s server
	require.NoError(t, yamlfile.Decode("k.yaml", []byte("listen: ${X}\n"), &s, nil))
	assert.Equal(t, "${X}", s.Listen)
}
