// Package yamlfile owns how Klaxon reads its YAML files: strict decoding
// (an unknown field is an error), ${NAME} environment expansion in string
// values, and problems reported as "file:line: message", one per line, so
// that `klaxon check` can point an operator at the line to fix.
package yamlfile

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Decode parses data, expands ${NAME} in every string value with env (when
// env is non-nil; "$${" is a literal "${"), and decodes the single
// document strictly into v. YAML tags (!foo) are rejected. Problems come
// back as Errors, each naming file and line. An empty file leaves v as it
// was.
func Decode(file string, data []byte, v any, env func(string) (string, bool)) (err error) {
	// The YAML library has panicked on hostile input before; a file that
	// makes it panic is a problem in that file, not a crash of Klaxon.
	defer func() {
		if r := recover(); r != nil {
			err = inFile(file, &Error{Msg: fmt.Sprintf("YAML could not be read: the parser failed (%v)", r)})
		}
	}()
	body, err := parseSingle(data)
	if err != nil {
		return inFile(file, err)
	}
	if body == nil {
		return nil
	}
	if errs := prepare(body, env); len(errs) > 0 {
		return inFile(file, errs)
	}
	return inFile(file, DecodeNode(body, v))
}

// DecodeNode decodes node strictly into v. Its problem is positioned at
// the offending line but names no file: Decode adds that. A
// NodeUnmarshaler uses it to decode itself into an alias type (so that it
// does not call itself) after recording its Line.
func DecodeNode(node ast.Node, v any) error {
	if node == nil {
		return nil
	}
	if err := yaml.NodeToValue(node, v, yaml.DisallowUnknownField()); err != nil {
		return positioned(err, node)
	}
	return nil
}

// Line returns the 1-based line where node starts, or 0 when it has none.
func Line(node ast.Node) int {
	if node == nil || reflect.ValueOf(node).IsNil() {
		return 0
	}
	tk := node.GetToken()
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

// parseSingle returns the body of the file's only document, nil for an
// empty file, and an error for a syntax error or several documents.
func parseSingle(data []byte) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, positioned(err, nil)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			return nil, NodeError(doc.Body, "only one YAML document is allowed per file")
		}
		body = doc.Body
	}
	return body, nil
}

// positioned turns a goccy error into an *Error at the token it names,
// falling back to node's line; an *Error passes through unchanged.
func positioned(err error, node ast.Node) error {
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var many Errors
	if errors.As(err, &many) {
		return many
	}
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		line := 0
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		if line == 0 {
			line = Line(node)
		}
		return &Error{Line: line, Msg: message(yerr)}
	}
	return &Error{Line: Line(node), Msg: oneLine(err.Error())}
}

// message words a goccy error for an operator: type errors name the value
// and the expected kind rather than Go struct and type names.
func message(yerr yaml.Error) string {
	var te *yaml.TypeError
	if errors.As(yerr, &te) && te.DstType != nil {
		return fmt.Sprintf("cannot use %s here: expected %s", sourceName(te), kindName(te.DstType))
	}
	var oe *yaml.OverflowError
	if errors.As(yerr, &oe) {
		return fmt.Sprintf("number %s is out of range", oe.SrcNum)
	}
	return oneLine(yerr.GetMessage())
}

// sourceName describes what a type error found: a collection by its kind,
// a scalar by its value.
func sourceName(te *yaml.TypeError) string {
	if te.SrcType != nil {
		switch te.SrcType.Kind() {
		case reflect.Map, reflect.Slice:
			return kindName(te.SrcType)
		}
	}
	if tk := te.GetToken(); tk != nil {
		return strconv.Quote(tk.Value)
	}
	return "this value"
}

// kindName describes a Go type in YAML terms.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

// inFile sets the file name on every problem in err and returns them as
// Errors, or nil when err is nil.
func inFile(file string, err error) error {
	if err == nil {
		return nil
	}
	var errs Errors
	errs.Append(err)
	for i := range errs {
		if errs[i].File == "" {
			errs[i].File = file
		}
	}
	return errs.Err()
}
