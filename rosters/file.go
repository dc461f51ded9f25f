package rosters

import (
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// The types below mirror a roster file as written. Located fields keep
// their lines for validation; a Line of 0 means the field was left out.

type str = yamlfile.Located[string]

type rosterFile struct {
	Team      str                              `yaml:"team"`
	Timezone  str                              `yaml:"timezone"`
	People    []yamlfile.Located[filePerson]   `yaml:"people"`
	Rotations []yamlfile.Located[fileRotation] `yaml:"rotations"`
	Overrides []yamlfile.Located[fileOverride] `yaml:"overrides"`
	Policies  []yamlfile.Located[filePolicy]   `yaml:"policies"`
	Services  []yamlfile.Located[fileService]  `yaml:"services"`
}

type filePerson struct {
	ID     str                             `yaml:"id"`
	Name   string                          `yaml:"name"`
	Phone  str                             `yaml:"phone"`
	Email  str                             `yaml:"email"`
	Notify *yamlfile.Located[[]notifyItem] `yaml:"notify"`
}

type fileRotation struct {
	Name    str                                 `yaml:"name"`
	Members []str                               `yaml:"members"`
	Shift   yamlfile.Located[yamlfile.Duration] `yaml:"shift"`
	Handoff str                                 `yaml:"handoff"`
	Hours   str                                 `yaml:"hours"`
}

type fileOverride struct {
	Rotation str `yaml:"rotation"`
	Person   str `yaml:"person"`
	From     str `yaml:"from"`
	To       str `yaml:"to"`
}

type filePolicy struct {
	Name       str                          `yaml:"name"`
	Repeat     yamlfile.Located[int]        `yaml:"repeat"`
	AckTimeout yamlfile.Duration            `yaml:"ack_timeout"`
	Steps      []yamlfile.Located[fileStep] `yaml:"steps"`
}

type fileStep struct {
	Notify        []str                               `yaml:"notify"`
	Priorities    []str                               `yaml:"priorities"`
	EscalateAfter yamlfile.Located[yamlfile.Duration] `yaml:"escalate_after"`
}

type fileService struct {
	Name         str                                            `yaml:"name"`
	Policy       str                                            `yaml:"policy"`
	GroupBy      []str                                          `yaml:"group_by"`
	Stakeholders []str                                          `yaml:"stakeholders"`
	UpdateEvery  yamlfile.Located[map[string]yamlfile.Duration] `yaml:"update_every"`
}

// notifyItem is one entry of a person's notify list: a channel name
// (`sms`) or a channel with its delay (`{voice: 2m}`).
type notifyItem struct {
	Channel string
	Delay   time.Duration
	Line    int
}

// UnmarshalYAML implements goccy's NodeUnmarshaler.
func (n *notifyItem) UnmarshalYAML(node ast.Node) error {
	n.Line = yamlfile.Line(node)
	if s, ok := node.(*ast.StringNode); ok {
		n.Channel = s.Value
		return nil
	}
	pair, ok := singlePair(node)
	if !ok {
		return yamlfile.NodeError(node, "notify entries are a channel (sms) or a channel and its delay ({voice: 2m})")
	}
	key, ok := pair.Key.(*ast.StringNode)
	if !ok {
		return yamlfile.NodeError(node, "notify entries are a channel (sms) or a channel and its delay ({voice: 2m})")
	}
	var d yamlfile.Duration
	if err := yamlfile.DecodeNode(pair.Value, &d); err != nil {
		return err
	}
	n.Channel, n.Delay = key.Value, time.Duration(d)
	return nil
}

// singlePair returns the only key-value pair of a one-key mapping.
func singlePair(node ast.Node) (*ast.MappingValueNode, bool) {
	switch m := node.(type) {
	case *ast.MappingValueNode:
		return m, m.Value != nil
	case *ast.MappingNode:
		if len(m.Values) == 1 && m.Values[0].Value != nil {
			return m.Values[0], true
		}
	}
	return nil, false
}
