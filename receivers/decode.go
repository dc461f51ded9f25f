package receivers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// decodeBody reads body as exactly one JSON object into v.
func decodeBody(body []byte, v any, what string) error {
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] != '{' {
		return bodyErrorf("body is not %s: want a JSON object", what)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err := dec.Decode(v)
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		return bodyErrorf("body is not %s: field %s: want %s, got JSON %s", what, typ.Field, jsonType(typ.Type), typ.Value)
	case err != nil:
		return bodyErrorf("body is not %s: %s", what, jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return bodyErrorf("body has data after the JSON object")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &tim):
		return fmt.Sprintf("time %q is not RFC 3339", tim.Value)
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON ends early"
	case err == io.EOF:
		return "empty body"
	}
	return "invalid JSON"
}

// jsonType names a Go type in JSON's words, for an error a sender reads.
func jsonType(t reflect.Type) string {
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

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const most = 64
	if r := []rune(s); len(r) > most {
		return string(r[:most]) + "..."
	}
	return s
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
