package receivers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// decodeOptions make JSON v2 read a body as encoding/json (v1) did, which
// is what senders have been tested against: names match case-insensitively
// but exactly in their underscores and dashes, a repeated name is the last
// one, and invalid UTF-8 in a string becomes U+FFFD rather than an error.
// Unknown names are ignored in both.
var decodeOptions = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// jsonSpace is the white space JSON allows around a value.
const jsonSpace = " \t\r\n"

// decodeBody reads body as exactly one JSON object into v.
func decodeBody(body []byte, v any, what string) error {
	switch trimmed := bytes.TrimLeft(body, jsonSpace); {
	case len(trimmed) == 0:
		return bodyErrorf("body is not %s: empty body", what)
	case trimmed[0] != '{':
		return bodyErrorf("body is not %s: want a JSON object", what)
	}
	err := json.Unmarshal(body, v, decodeOptions)
	if err == nil {
		return nil
	}
	// Unmarshal reports the first problem it meets, where encoding/json
	// checked the syntax of the whole object before decoding it: check it
	// too, so that a syntax error is reported wherever it is. If the object
	// is sound, a syntax error is in what follows it.
	var syn *jsontext.SyntacticError
	switch objErr := objectSyntax(body); {
	case objErr != nil:
		err = objErr
	case errors.As(err, &syn):
		return bodyErrorf("body has data after the JSON object")
	}
	return bodyErrorf("body is not %s: %s", what, jsonProblem(err))
}

// objectSyntax checks the syntax of the JSON value body starts with, not of
// what follows it.
func objectSyntax(body []byte) error {
	return jsontext.NewDecoder(bytes.NewBuffer(body), decodeOptions).SkipValue()
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var tim *time.ParseError
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &tim):
		return fmt.Sprintf("time %q is not RFC 3339", clip(tim.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends early"
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.ByteOffset)
	case errors.As(err, &sem) && sem.GoType != nil && sem.JSONKind != 0:
		mismatch := fmt.Sprintf("want %s, got JSON %s", jsonType(sem.GoType), kindName(sem.JSONKind))
		if sem.JSONPointer == "" {
			return mismatch
		}
		return fmt.Sprintf("field %s: %s", fieldPath(sem.JSONPointer), mismatch)
	}
	return "invalid JSON"
}

// fieldPath writes a JSON pointer ("/links/0/href") as a sender would name
// the field ("links.0.href").
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return clip(b.String())
}

// jsonType names a Go type in JSON's words, for an error a sender reads.
func jsonType(t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "object"
	case reflect.Bool:
		return "bool"
	}
	return "number"
}

// kindName names the kind of a JSON value as jsonType names a Go type.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "bool"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "null"
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const most = 64
	if r := []rune(s); len(r) > most {
		return string(r[:most]) + "..."
	}
	return s
}

// foldSpace trims s and folds each run of white space in it to one space,
// as strings.Fields and strings.Join do, but returns s itself, unallocated,
// when it needs no change: summaries and names mostly do not.
func foldSpace(s string) string {
	if isFolded(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// isFolded reports whether foldSpace would leave s as it is: no white space
// but single spaces between words.
func isFolded(s string) bool {
	prevSpace := true // a leading space is not folded
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && (r != ' ' || prevSpace) {
			return false
		}
		prevSpace = space
	}
	return s == "" || !prevSpace
}

// labelName makes s a valid Prometheus label name: every character other than
// an ASCII letter, digit or underscore becomes an underscore, and a leading
// digit gets an underscore before it. Empty stays empty.
func labelName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.TrimSpace(s))
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}
