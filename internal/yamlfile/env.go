package yamlfile

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// prepare readies a parsed tree for decoding: it rejects YAML tags, which
// no Klaxon file needs and which the decoder mishandles (a tag on the wrong
// kind of node panics it), and, when env is non-nil, replaces ${NAME} in
// every string value (mapping keys are left alone). It returns one problem
// per tag and per unset or malformed reference.
func prepare(root ast.Node, env func(string) (string, bool)) Errors {
	v := &preparer{env: env, keys: map[ast.Node]bool{}}
	ast.Walk(v, root)
	return v.errs
}

// preparer walks the tree, expanding string scalars in place.
type preparer struct {
	env  func(string) (string, bool) // nil: no expansion
	keys map[ast.Node]bool           // mapping keys, not expanded
	errs Errors
}

// Visit implements ast.Visitor.
func (v *preparer) Visit(node ast.Node) ast.Visitor {
	if node == nil {
		return nil
	}
	switch n := node.(type) {
	case *ast.TagNode:
		v.errs = append(v.errs, Error{Line: Line(n), Msg: "YAML tags such as " + strconv.Quote(tagName(n)) + " are not supported"})
		return nil
	case *ast.MappingValueNode:
		v.keys[n.Key] = true
	case *ast.StringNode:
		if v.env == nil || v.keys[n] {
			return v
		}
		out, err := expand(n.Value, v.env)
		if err != "" {
			v.errs = append(v.errs, Error{Line: Line(n), Msg: err})
		} else {
			n.Value = out
		}
	}
	return v
}

// tagName returns a tag as written, e.g. "!!str".
func tagName(n *ast.TagNode) string {
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return "!"
}

// expand replaces ${NAME} in s; "$${" stands for a literal "${". It
// returns the first problem as a message instead of an error, for the
// caller to position.
func expand(s string, env func(string) (string, bool)) (string, string) {
	if !strings.Contains(s, "${") {
		return s, ""
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), ""
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i])
			b.WriteString("{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", "unterminated ${ in string value"
		}
		name := s[i+2 : i+end]
		if !validEnvName(name) {
			return "", "invalid environment variable name " + strconv.Quote(name)
		}
		val, ok := env(name)
		if !ok {
			return "", "environment variable " + name + " is not set"
		}
		b.WriteString(val)
		s = s[i+end+1:]
	}
}

// validEnvName accepts the portable shell variable names: a letter or
// underscore, then letters, digits and underscores.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
