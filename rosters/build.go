package rosters

import (
	"fmt"
	"net/mail"
	"regexp"
	"time"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// builder turns decoded files into a Set, collecting every problem. It runs
// in passes so that references may point into any file: teams and people,
// then rotations and overrides, then policies, then services.
type builder struct {
	set   *Set
	errs  yamlfile.Errors
	where map[string]string // "kind:key" -> "file:line" of its definition
	// overrides keeps each override's position for the overlap check.
	overrides map[string][]placedOverride
}

type placedOverride struct {
	Override
	file  string
	line  int
	field string
}

func build(files []*parsedFile) (*Set, error) {
	b := &builder{set: newSet(), where: map[string]string{}, overrides: map[string][]placedOverride{}}
	for _, f := range files {
		b.header(f)
	}
	each(files, b.people)
	each(files, b.rotations)
	each(files, b.addOverrides)
	b.applyOverrides()
	each(files, b.policies)
	each(files, b.services)
	b.errs.Sort()
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	return b.set, nil
}

// each runs one pass over every file.
func each(files []*parsedFile, pass func(*parsedFile)) {
	for _, f := range files {
		pass(f)
	}
}

// problem records a problem with field in file at line. A problem in a
// value that has no position of its own (an empty list item) is put on the
// file's first line, so that every problem names a line.
func (b *builder) problem(file string, line int, field, format string, args ...any) {
	line = max(line, 1)
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	b.errs.Add(file, line, "%s", msg)
}

// define records the definition of key at file:line, reporting a duplicate.
func (b *builder) define(key, file string, line int, field, what string) bool {
	if prev, dup := b.where[key]; dup {
		b.problem(file, line, field, "%s is already defined at %s", what, prev)
		return false
	}
	b.where[key] = fmt.Sprintf("%s:%d", file, line)
	return true
}

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)
	e164RE = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// name checks an identifier: required, and usable in a "team/name" ref.
func (b *builder) name(file string, s str, fallback int, field string) bool {
	switch {
	case s.Value == "":
		b.problem(file, lineOr(s.Line, fallback), field, "is required")
	case !nameRE.MatchString(s.Value):
		b.problem(file, s.Line, field, "%q must be letters, digits, and . _ - @ (no spaces, / or :)", s.Value)
	default:
		return true
	}
	return false
}

// header checks the file's team and time zone.
func (b *builder) header(f *parsedFile) {
	f.loc = time.UTC
	if b.name(f.name, f.raw.Team, 1, "team") &&
		b.define("team:"+f.raw.Team.Value, f.name, f.raw.Team.Line, "team", fmt.Sprintf("team %q", f.raw.Team.Value)) {
		f.team = f.raw.Team.Value
	}
	tz := f.raw.Timezone
	if tz.Value == "" {
		if len(f.raw.Rotations) > 0 || len(f.raw.Overrides) > 0 {
			b.problem(f.name, lineOr(tz.Line, 1), "timezone", "is required for rotations and overrides, e.g. America/New_York")
		}
		return
	}
	loc, err := time.LoadLocation(tz.Value)
	if err != nil || tz.Value == "Local" {
		b.problem(f.name, tz.Line, "timezone", "unknown time zone %q (use an IANA name such as Europe/Berlin)", tz.Value)
		return
	}
	f.loc = loc
}

// lineOr returns the first non-zero line.
func lineOr(lines ...int) int {
	for _, l := range lines {
		if l != 0 {
			return l
		}
	}
	return 0
}

// validEmail accepts a bare address such as alice@example.com.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// priorities are the priority names a step or update_every may use.
var priorities = map[string]bool{"P0": true, "P1": true, "P2": true, "P3": true}
