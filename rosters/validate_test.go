package rosters_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
	"github.com/klaxonhq/klaxon/rosters"
)

// base is a valid roster head; what a case appends starts on line 6.
const base = `team: t
timezone: UTC
people:
  - id: a
    phone: "+15550000001"
`

// withRotation adds a valid rotation r (lines 6-10) to base.
const withRotation = base + `rotations:
  - name: r
    members: [a]
    shift: 1d
    handoff: "2026-01-05 09:00"
`

// withPolicy adds a valid policy p (lines 11-15) to withRotation.
const withPolicy = withRotation + `policies:
  - name: p
    steps:
      - notify: [rotation:r]
        escalate_after: 5m
`

func TestParseReportsProblemsAtTheirLines(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		// file header
		{"team is required", map[string]string{"a.yaml": "timezone: UTC\n"}, "a.yaml:1: team: is required"},
		{"team with a slash", map[string]string{"a.yaml": "team: a/b\n"}, `a.yaml:1: team: "a/b" must be letters, digits, and . _ - @ (no spaces, / or :)`},
		{"team defined twice", map[string]string{"a.yaml": "team: t\n", "b.yaml": "\nteam: t\n"}, `b.yaml:2: team: team "t" is already defined at a.yaml:1`},
		{"unknown time zone", map[string]string{"a.yaml": "team: t\ntimezone: Mars/Olympus\n"}, `a.yaml:2: timezone: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin)`},
		{"time zone required for rotations", map[string]string{"a.yaml": "team: t\npeople:\n  - id: a\n    phone: \"+15550000001\"\nrotations:\n  - name: r\n    members: [a]\n    shift: 1d\n    handoff: \"2026-01-05 09:00\"\n"},
			"a.yaml:1: timezone: is required for rotations and overrides, e.g. America/New_York"},
		{"unknown field", map[string]string{"a.yaml": base + "rotation:\n  - name: r\n"}, `a.yaml:6: unknown field "rotation"`},
		{"unknown field in a person", map[string]string{"a.yaml": base + "    mobile: \"+1555\"\n"}, `a.yaml:6: unknown field "mobile"`},
		// people
		{"person without id", map[string]string{"a.yaml": base + "  - name: Nobody\n    phone: \"+15550000002\"\n"}, "a.yaml:6: people[1].id: is required"},
		{"person id defined in two files", map[string]string{"a.yaml": base, "b.yaml": "team: u\npeople:\n  - id: a\n    email: a@example.com\n"},
			`b.yaml:3: people[0].id: person "a" is already defined at a.yaml:4`},
		{"phone not E.164", map[string]string{"a.yaml": base + "  - id: b\n    phone: \"555-1234\"\n"}, `a.yaml:7: people[1].phone: "555-1234" is not an E.164 number such as +15551230001`},
		{"phone shared by two people", map[string]string{"a.yaml": base + "  - id: b\n    phone: \"+15550000001\"\n"}, "a.yaml:7: people[1].phone: phone number +15550000001 is already defined at a.yaml:5"},
		{"bad email", map[string]string{"a.yaml": base + "  - id: b\n    email: bob at example\n"}, `a.yaml:7: people[1].email: "bob at example" is not an email address`},
		{"person who cannot be reached", map[string]string{"a.yaml": base + "  - id: b\n    name: Bob\n"}, "a.yaml:6: people[1]: needs a phone or an email to be paged"},
		{"unknown notify channel", map[string]string{"a.yaml": base + "    notify: [sms, pager]\n"}, `a.yaml:6: people[0].notify[1]: unknown channel "pager" (sms, voice or email)`},
		{"notify channel listed twice", map[string]string{"a.yaml": base + "    notify:\n      - sms\n      - sms: 5m\n"}, "a.yaml:8: people[0].notify[1]: channel sms is listed twice"},
		{"email channel without an address", map[string]string{"a.yaml": base + "    notify: [email]\n"}, "a.yaml:6: people[0].notify[0]: email needs the person's email"},
		{"empty notify list", map[string]string{"a.yaml": base + "    notify: []\n"}, "a.yaml:6: people[0].notify: must list at least one channel"},
		{"bad notify delay", map[string]string{"a.yaml": base + "    notify:\n      - sms\n      - voice: soon\n"}, `a.yaml:8: invalid duration "soon": use a number and a unit such as 30s, 5m, 12h, 1d or 1w`},
		{"notify entry with two channels", map[string]string{"a.yaml": base + "    notify:\n      - {sms: 1m, voice: 2m}\n"}, "a.yaml:7: notify entries are a channel (sms) or a channel and its delay ({voice: 2m})"},
		// rotations
		{"rotation with an unknown member", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members:\n      - a\n      - zed\n    shift: 1d\n    handoff: \"2026-01-05 09:00\"\n"},
			`a.yaml:10: rotations[0].members[1]: unknown person "zed"`},
		{"rotation without members", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    shift: 1d\n    handoff: \"2026-01-05 09:00\"\n"}, "a.yaml:7: rotations[0].members: at least one member is required"},
		{"rotation without shift", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members: [a]\n    handoff: \"2026-01-05 09:00\"\n"}, "a.yaml:7: rotations[0].shift: is required, e.g. 7d, 1d or 12h"},
		{"unparsable shift", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members: [a]\n    shift: weekly\n    handoff: \"2026-01-05 09:00\"\n"},
			`a.yaml:9: invalid duration "weekly": use a number and a unit such as 30s, 5m, 12h, 1d or 1w`},
		{"shift of seconds", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members: [a]\n    shift: 90s\n    handoff: \"2026-01-05 09:00\"\n"},
			"a.yaml:9: rotations[0].shift: must be a whole number of minutes, at least 1m"},
		{"rotation without handoff", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members: [a]\n    shift: 1d\n"}, `a.yaml:7: rotations[0].handoff: is required, e.g. "2026-01-05 09:00"`},
		{"handoff in another format", map[string]string{"a.yaml": base + "rotations:\n  - name: r\n    members: [a]\n    shift: 1d\n    handoff: \"05/01/2026 9am\"\n"},
			`a.yaml:10: rotations[0].handoff: "05/01/2026 9am" is not a local time such as "2026-01-05 09:00"`},
		{"handoff the clock skips", map[string]string{"a.yaml": "team: t\ntimezone: America/New_York\npeople:\n  - id: a\n    phone: \"+15550000001\"\nrotations:\n  - name: r\n    members: [a]\n    shift: 1d\n    handoff: \"2026-03-08 02:30\"\n"},
			"a.yaml:10: rotations[0].handoff: 2026-03-08 02:30 does not exist in America/New_York (the clock skips it)"},
		{"bad hours", map[string]string{"a.yaml": withRotation + "    hours: \"Mon-Fri 9-5\"\n"}, `a.yaml:11: rotations[0].hours: window "Mon-Fri 9-5": want a time range such as 09:00-17:00`},
		{"rotation defined twice", map[string]string{"a.yaml": withRotation + "  - name: r\n    members: [a]\n    shift: 1d\n    handoff: \"2026-01-05 09:00\"\n"},
			`a.yaml:11: rotations[1].name: rotation "t/r" is already defined at a.yaml:7`},
		// overrides
		{"override of an unknown rotation", map[string]string{"a.yaml": withRotation + "overrides:\n  - rotation: nope\n    person: a\n    from: \"2026-01-01 00:00\"\n    to: \"2026-01-02 00:00\"\n"},
			`a.yaml:12: overrides[0].rotation: unknown rotation "t/nope"`},
		{"override by an unknown person", map[string]string{"a.yaml": withRotation + "overrides:\n  - rotation: r\n    person: zed\n    from: \"2026-01-01 00:00\"\n    to: \"2026-01-02 00:00\"\n"},
			`a.yaml:13: overrides[0].person: unknown person "zed"`},
		{"override ending before it starts", map[string]string{"a.yaml": withRotation + "overrides:\n  - rotation: r\n    person: a\n    from: \"2026-01-02 00:00\"\n    to: \"2026-01-01 00:00\"\n"},
			"a.yaml:15: overrides[0].to: 2026-01-01 00:00 is not after from (2026-01-02 00:00)"},
		{"override with a bad time", map[string]string{"a.yaml": withRotation + "overrides:\n  - rotation: r\n    person: a\n    from: tomorrow\n    to: \"2026-01-01 00:00\"\n"},
			`a.yaml:14: overrides[0].from: "tomorrow" is not a local time such as "2026-01-05 09:00"`},
		{"overlapping overrides", map[string]string{"a.yaml": withRotation + "overrides:\n  - rotation: r\n    person: a\n    from: \"2026-01-01 00:00\"\n    to: \"2026-01-03 00:00\"\n  - rotation: r\n    person: a\n    from: \"2026-01-02 00:00\"\n    to: \"2026-01-04 00:00\"\n"},
			"a.yaml:16: overrides[1]: overlaps the override of rotation t/r at a.yaml:12"},
		{"override overlapping one from another file", map[string]string{
			"a.yaml": withRotation + "overrides:\n  - rotation: r\n    person: a\n    from: \"2026-01-01 00:00\"\n    to: \"2026-01-10 00:00\"\n",
			"b.yaml": "team: u\ntimezone: UTC\noverrides:\n  - rotation: t/r\n    person: a\n    from: \"2026-01-05 00:00\"\n    to: \"2026-01-06 00:00\"\n"},
			"b.yaml:4: overrides[0]: overlaps the override of rotation t/r at a.yaml:12"},
		// policies
		{"policy naming a missing rotation", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - notify: [rotation:primary]\n        escalate_after: 5m\n"},
			`a.yaml:14: policies[0].steps[0].notify[0]: no rotation "t/primary"`},
		{"policy naming another team's missing rotation", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - notify:\n          - rotation:r\n          - rotation:sre/ic\n        escalate_after: 5m\n"},
			`a.yaml:16: policies[0].steps[0].notify[1]: no rotation "sre/ic"`},
		{"policy naming a missing person", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - notify: [person:zed]\n        escalate_after: 5m\n"},
			`a.yaml:14: policies[0].steps[0].notify[0]: no person "zed"`},
		{"target without a kind", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - notify: [r]\n        escalate_after: 5m\n"},
			`a.yaml:14: policies[0].steps[0].notify[0]: target "r" is not rotation:NAME or person:ID`},
		{"step priority outside P0 to P3", map[string]string{"a.yaml": withPolicy + "        priorities: [P1, critical]\n"},
			`a.yaml:16: policies[0].steps[0].priorities[1]: "critical" is not one of P0, P1, P2, P3`},
		{"step without escalate_after", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - notify: [rotation:r]\n"},
			"a.yaml:14: policies[0].steps[0].escalate_after: is required, e.g. 5m (0s escalates at once)"},
		{"step without targets", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    steps:\n      - escalate_after: 5m\n"},
			"a.yaml:14: policies[0].steps[0].notify: at least one target is required"},
		{"policy without steps", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    repeat: 1\n"}, "a.yaml:12: policies[0].steps: at least one step is required"},
		{"negative repeat", map[string]string{"a.yaml": withPolicy + "    repeat: -1\n"}, "a.yaml:16: policies[0].repeat: must not be negative"},
		{"repeating steps that never wait", map[string]string{"a.yaml": withRotation + "policies:\n  - name: p\n    repeat: 3\n    steps:\n      - notify: [rotation:r]\n        escalate_after: 0s\n"},
			"a.yaml:13: policies[0].repeat: repeating steps that never wait would page in a loop: give a step an escalate_after"},
		{"policy defined twice", map[string]string{"a.yaml": withPolicy + "  - name: p\n    steps:\n      - notify: [person:a]\n        escalate_after: 5m\n"},
			`a.yaml:16: policies[1].name: policy "t/p" is already defined at a.yaml:12`},
		{"bad ack timeout", map[string]string{"a.yaml": withPolicy + "    ack_timeout: half an hour\n"}, `a.yaml:16: invalid duration "half an hour": use a number and a unit such as 30s, 5m, 12h, 1d or 1w`},
		// services
		{"service with an unknown policy", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n    policy: nope\n"}, `a.yaml:18: services[0].policy: unknown policy "t/nope"`},
		{"service without a policy", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n"}, "a.yaml:17: services[0].policy: is required"},
		{"service defined in two files", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n    policy: p\n", "b.yaml": "team: u\nservices:\n  - name: s\n    policy: t/p\n"},
			`b.yaml:3: services[0].name: service "s" is already defined at a.yaml:17`},
		{"stakeholder that is not an address", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n    policy: p\n    stakeholders: [leads]\n"},
			`a.yaml:19: services[0].stakeholders[0]: "leads" is not an email address`},
		{"update_every with an unknown priority", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n    policy: p\n    update_every: {P0: 10m, SEV1: 5m}\n"},
			`a.yaml:19: services[0].update_every: "SEV1" is not one of P0, P1, P2, P3`},
		{"update_every of zero", map[string]string{"a.yaml": withPolicy + "services:\n  - name: s\n    policy: p\n    update_every:\n      P1: 0s\n"},
			"a.yaml:20: services[0].update_every: P1: interval must be more than 0"},
		// syntax
		{"syntax error", map[string]string{"a.yaml": base + "rotations: [\n"}, "a.yaml:6:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rosters.Parse(bytesOf(tt.files))
			require.Error(t, err)
			var errs yamlfile.Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want one problem, got:\n%v", err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "want %q\ngot  %q", tt.want, err.Error())
		})
	}
}

func bytesOf(files map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for name, content := range files {
		out[name] = []byte(content)
	}
	return out
}

func TestParseReportsEveryProblemInOneRun(t *testing.T) {
	files := map[string]string{
		"a.yaml": `team: a
timezone: Europe/Berlin
people:
  - id: ann
    phone: "+4915100000001"
  - id: ann
    phone: "+4915100000001"
rotations:
  - name: r
    members: [ann, ghost]
    shift: 1d
    handoff: "2026-01-05 09:00"
policies:
  - name: p
    steps:
      - notify: [rotation:b/missing]
        escalate_after: 1m
`,
		"b.yaml": `team: b
timezone: Nowhere/Special
services:
  - name: s
    policy: a/nope
`,
	}
	_, err := rosters.Parse(bytesOf(files))
	require.Error(t, err)
	assert.Equal(t, `a.yaml:6: people[1].id: person "ann" is already defined at a.yaml:4
a.yaml:10: rotations[0].members[1]: unknown person "ghost"
a.yaml:16: policies[0].steps[0].notify[0]: no rotation "b/missing"
b.yaml:2: timezone: unknown time zone "Nowhere/Special" (use an IANA name such as Europe/Berlin)
b.yaml:5: services[0].policy: unknown policy "a/nope"`, err.Error())
}

func TestParseReportsDecodeProblemsOfEveryFile(t *testing.T) {
	files := map[string]string{
		"a.yaml": "team: a\nteem: b\n",
		"b.yaml": "team: b\npeople: [\n",
		"c.yaml": "team: c\n",
	}
	_, err := rosters.Parse(bytesOf(files))
	var errs yamlfile.Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "%v", err)
	assert.Equal(t, "a.yaml", errs[0].File)
	assert.Equal(t, "b.yaml", errs[1].File)
}

func TestParseAcceptsRFC3339Times(t *testing.T) {
	set, err := rosters.Parse(bytesOf(map[string]string{"a.yaml": base + `rotations:
  - name: r
    members: [a]
    shift: 12h
    handoff: "2026-01-05T09:00:00-05:00"
`}))
	require.NoError(t, err)
	r, ok := set.Rotation("t/r")
	require.True(t, ok)
	assert.True(t, r.Handoff.Equal(utc("2026-01-05T14:00:00Z")))
}
