package rosters

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Set is every roster file, loaded and cross-checked. It is immutable after
// loading and safe for concurrent reads. Values it returns share memory
// with it: treat their slices and maps as read-only. The zero Set is empty.
type Set struct {
	people    map[string]Person
	phones    map[string]string // E.164 -> person id
	rotations map[string]Rotation
	policies  map[string]Policy
	services  map[string]Service
}

func newSet() *Set {
	return &Set{
		people:    map[string]Person{},
		phones:    map[string]string{},
		rotations: map[string]Rotation{},
		policies:  map[string]Policy{},
		services:  map[string]Service{},
	}
}

// Person returns the person with id.
func (s *Set) Person(id string) (Person, bool) {
	p, ok := s.people[id]
	return p, ok
}

// PersonByPhone returns the person whose phone number is e164.
func (s *Set) PersonByPhone(e164 string) (Person, bool) {
	id, ok := s.phones[e164]
	if !ok {
		return Person{}, false
	}
	return s.Person(id)
}

// People returns everybody, sorted by id.
func (s *Set) People() []Person { return sortedValues(s.people) }

// Service returns the service named name.
func (s *Set) Service(name string) (Service, bool) {
	svc, ok := s.services[name]
	return svc, ok
}

// Services returns every service, sorted by name.
func (s *Set) Services() []Service { return sortedValues(s.services) }

// Policy returns the policy with ref "team/name".
func (s *Set) Policy(ref string) (Policy, bool) {
	p, ok := s.policies[ref]
	return p, ok
}

// Rotation returns the rotation with ref "team/name".
func (s *Set) Rotation(ref string) (Rotation, bool) {
	r, ok := s.rotations[ref]
	return r, ok
}

// Rotations returns every rotation, sorted by ref.
func (s *Set) Rotations() []Rotation { return sortedValues(s.rotations) }

// OnCall returns who t reaches at at: for a rotation, the person on call
// (none when nobody is); for a person, that person. An unknown target
// reaches nobody.
func (s *Set) OnCall(t Target, at time.Time) []Person {
	var id string
	switch t.Kind {
	case KindPerson:
		id = t.Name
	case KindRotation:
		r, ok := s.rotations[t.Team+"/"+t.Name]
		if !ok {
			return nil
		}
		if id, ok = r.OnCallAt(at); !ok {
			return nil
		}
	default:
		return nil
	}
	p, ok := s.people[id]
	if !ok {
		return nil
	}
	return []Person{p}
}

// ResolveTarget parses a fully qualified target, "rotation:team/name" or
// "person:id", and checks that it exists.
func (s *Set) ResolveTarget(ref string) (Target, error) {
	t, err := ParseTarget(ref, "")
	if err != nil {
		return Target{}, err
	}
	return s.resolve(t)
}

// resolve checks that t exists and fills in a person's team.
func (s *Set) resolve(t Target) (Target, error) {
	if t.Kind == KindPerson {
		p, ok := s.people[t.Name]
		if !ok || (t.Team != "" && t.Team != p.Team) {
			return Target{}, fmt.Errorf("no person %q", refText(t))
		}
		t.Team = p.Team
		return t, nil
	}
	if _, ok := s.rotations[t.Team+"/"+t.Name]; !ok {
		return Target{}, fmt.Errorf("no rotation %q", t.Team+"/"+t.Name)
	}
	return t, nil
}

// ParseTarget reads "rotation:name", "rotation:team/name", "person:id" or
// "person:team/id". An unqualified rotation belongs to team; with team ""
// a rotation must be qualified.
func ParseTarget(ref, team string) (Target, error) {
	kind, rest, ok := strings.Cut(ref, ":")
	if !ok || (kind != KindRotation && kind != KindPerson) {
		return Target{}, fmt.Errorf("target %q is not rotation:NAME or person:ID", ref)
	}
	t := Target{Kind: kind, Name: rest}
	if tm, name, qualified := strings.Cut(rest, "/"); qualified {
		t.Team, t.Name = tm, name
	} else if kind == KindRotation {
		t.Team = team
	}
	if t.Name == "" || strings.Contains(t.Name, "/") || (kind == KindRotation && t.Team == "") {
		return Target{}, fmt.Errorf("target %q is not rotation:TEAM/NAME or person:ID", ref)
	}
	return t, nil
}

// refText is a target without its kind, as written in messages.
func refText(t Target) string {
	if t.Team == "" {
		return t.Name
	}
	return t.Team + "/" + t.Name
}

// sortedValues returns m's values in key order.
func sortedValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
