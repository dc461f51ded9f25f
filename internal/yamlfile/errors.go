package yamlfile

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Error is one problem in one YAML file, positioned at a line.
type Error struct {
	File string // path or name of the file, as given to Decode
	Line int    // 1-based; 0 when the problem has no single line
	Msg  string // one line, lowercase, naming the field where there is one
}

// Error formats the problem as "file:line: msg", or "file: msg" without a line.
func (e Error) Error() string {
	switch {
	case e.File == "" && e.Line == 0:
		return e.Msg
	case e.File == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Line == 0:
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// NodeError returns a problem positioned at node, for custom leaf types that
// implement goccy's NodeUnmarshaler. Decode and DecodeNode keep the position
// and Decode adds the file name.
func NodeError(node ast.Node, format string, args ...any) error {
	return &Error{Line: Line(node), Msg: oneLine(fmt.Sprintf(format, args...))}
}

// Errors is every problem found in one load, in the order found. Use Add
// and Append to collect them and Err to return them.
type Errors []Error

// Error lists the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Add records a problem at file:line.
func (es *Errors) Add(file string, line int, format string, args ...any) {
	*es = append(*es, Error{File: file, Line: line, Msg: oneLine(fmt.Sprintf(format, args...))})
}

// Append records err: the problems of an Errors, a single Error, or any
// other error as a problem without a position. A nil err adds nothing.
func (es *Errors) Append(err error) {
	if err == nil {
		return
	}
	var many Errors
	if errors.As(err, &many) {
		*es = append(*es, many...)
		return
	}
	var one *Error
	if errors.As(err, &one) {
		*es = append(*es, *one)
		return
	}
	var val Error
	if errors.As(err, &val) {
		*es = append(*es, val)
		return
	}
	*es = append(*es, Error{Msg: oneLine(err.Error())})
}

// Sort orders the problems by file, then line, keeping the order of
// problems on the same line.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
}

// Err returns the problems as an error, or nil when there are none, so that
// a function can end with `return nil, errs.Err()`.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// oneLine keeps a message on one line: the caller prints one problem a line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
