package receivers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeTarget is a body shape with one field of each kind the receivers
// decode.
type decodeTarget struct {
	Name    string            `json:"name"`
	AlertID string            `json:"alert_id"`
	At      time.Time         `json:"at"`
	Labels  map[string]string `json:"labels"`
	Links   []struct {
		Href string `json:"href"`
	} `json:"links"`
}

func TestDecodeBodyReadsAsEncodingJSONDid(t *testing.T) {
	cases := []struct {
		name, body string
		want       decodeTarget
	}{
		{"unknown names are ignored", `{"name":"a","other":{"x":[1]}}`, decodeTarget{Name: "a"}},
		{"names match whatever their case", `{"NAME":"a","Alert_ID":"b"}`, decodeTarget{Name: "a", AlertID: "b"}},
		{"but not without their underscores", `{"alertid":"b"}`, decodeTarget{}},
		{"a repeated name is the last one", `{"name":"a","name":"b","labels":{"k":"1","k":"2"}}`,
			decodeTarget{Name: "b", Labels: map[string]string{"k": "2"}}},
		{"invalid UTF-8 becomes U+FFFD", "{\"name\":\"a\xffb\"}", decodeTarget{Name: "a\ufffdb"}},
		{"null is the zero value", `{"name":null,"labels":null,"at":null}`, decodeTarget{}},
		{"white space around the object", " \r\n\t{\"name\":\"a\"}\n", decodeTarget{Name: "a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got decodeTarget
			require.NoError(t, decodeBody([]byte(c.body), &got, "a test body"))
			assert.Equal(t, c.want, got)
		})
	}
}

func TestDecodeBodyNamesTheProblem(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"empty", "", "body is not a test body: empty body"},
		{"white space only", " \n", "body is not a test body: empty body"},
		{"not an object", `["name"]`, "body is not a test body: want a JSON object"},
		{"not JSON white space", "\f{}", "body is not a test body: want a JSON object"},
		{"cut short", `{"name":"a`, "body is not a test body: JSON ends early"},
		{"syntax error", `{"name" "a"}`, "body is not a test body: invalid JSON at byte 8"},
		{"trailing object", `{"name":"a"} {}`, "body has data after the JSON object"},
		{"trailing garbage", `{"name":"a"}}`, "body has data after the JSON object"},
		{"wrong type", `{"name":1}`, "body is not a test body: field name: want string, got JSON number"},
		{"wrong type for a time", `{"at":true}`, "body is not a test body: field at: want string, got JSON bool"},
		{"bad time", `{"at":"noon"}`, `body is not a test body: time "noon" is not RFC 3339`},
		{"wrong type in a list", `{"links":[{"href":"a"},{"href":[]}]}`,
			"body is not a test body: field links.1.href: want string, got JSON array"},
		{"wrong type in a map", `{"labels":{"k":{}}}`, "body is not a test body: field labels.k: want string, got JSON object"},
		{"a syntax error wins over a type error before it", `{"name":1,"labels":{`, "body is not a test body: JSON ends early"},
		{"a type error wins over data after the object", `{"name":1} {}`,
			"body is not a test body: field name: want string, got JSON number"},
		{"a long value is clipped", `{"at":"` + strings.Repeat("x", 500) + `"}`, `body is not a test body: time "` + strings.Repeat("x", 64) + `..." is not RFC 3339`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got decodeTarget
			err := decodeBody([]byte(c.body), &got, "a test body")
			var be *BodyError
			require.True(t, errors.As(err, &be), "error %v is a BodyError", err)
			assert.Equal(t, c.want, err.Error())
		})
	}
}

func TestFoldSpace(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"folded already", "disk full on db-1", "disk full on db-1"},
		{"leading and trailing", "  disk full ", "disk full"},
		{"runs inside", "disk \t\n full", "disk full"},
		{"only space", " \n ", ""},
		{"Unicode space", "disk\u00a0full\u2003", "disk full"},
		{"not space", "disk·full", "disk·full"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, foldSpace(c.in))
		})
	}
}

func FuzzFoldSpace(f *testing.F) {
	for _, s := range []string{"", "a b", " a", "a ", "a  b", "a\tb", "a\u00a0b", "\xff b", "a \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := foldSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("foldSpace(%q) = %q, want %q", s, got, want)
		}
	})
}
