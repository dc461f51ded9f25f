package yamlfile

import (
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/prometheus/common/model"
)

// Located is a decoded value together with the line it was written on, so
// that validation after decoding can still point at that line. Line is 0
// when the field was absent or null.
type Located[T any] struct {
	Value T
	Line  int
}

// UnmarshalYAML implements goccy's NodeUnmarshaler.
func (l *Located[T]) UnmarshalYAML(node ast.Node) error {
	l.Line = Line(node)
	return DecodeNode(node, &l.Value)
}

// Duration is a time.Duration written the Prometheus way: 30s, 5m, 12h, 1d,
// 1w, or combinations such as 1h30m. A bare 0 is zero.
type Duration time.Duration

// UnmarshalYAML implements goccy's NodeUnmarshaler.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s, ok := scalarText(node)
	if !ok {
		return NodeError(node, "expected a duration such as 30s, 5m, 12h or 1d")
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		return NodeError(node, "invalid duration %q: use a number and a unit such as 30s, 5m, 12h, 1d or 1w", s)
	}
	*d = Duration(v)
	return nil
}

// scalarText returns the text of a scalar node as written, without quotes.
func scalarText(node ast.Node) (string, bool) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.IntegerNode, *ast.FloatNode:
		return n.GetToken().Value, true
	}
	return "", false
}
