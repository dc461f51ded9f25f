package engine

import "fmt"

// Priority is an incident's urgency: P0 (total outage) to P3 (record only).
type Priority int8

// The four priorities. P3 alerts are events and page nobody.
const (
	P0 Priority = iota
	P1
	P2
	P3
)

// String returns "P0" to "P3".
func (p Priority) String() string {
	if p < P0 || p > P3 {
		return fmt.Sprintf("P?%d", int(p))
	}
	return "P" + string(rune('0'+p))
}

// ParsePriority reads "P0" to "P3".
func ParsePriority(s string) (Priority, error) {
	if len(s) == 2 && (s[0] == 'P' || s[0] == 'p') && s[1] >= '0' && s[1] <= '3' {
		return Priority(s[1] - '0'), nil
	}
	return 0, fmt.Errorf("priority %q is not one of P0, P1, P2, P3", s)
}

// MarshalText writes the priority as "P0" to "P3".
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads "P0" to "P3".
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
