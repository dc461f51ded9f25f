package rosters_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
	"github.com/klaxonhq/klaxon/rosters"
)

func loadTestdata(t *testing.T) *rosters.Set {
	t.Helper()
	set, err := rosters.LoadDir("testdata")
	require.NoError(t, err)
	return set
}

func TestLoadDirReadsPeople(t *testing.T) {
	set := loadTestdata(t)
	tests := []struct {
		name string
		id   string
		want rosters.Person
	}{
		{
			name: "explicit notify rules are kept in order",
			id:   "alice",
			want: rosters.Person{ID: "alice", Name: "Alice Chen", Phone: "+15551230001", Email: "alice@example.com", Team: "payments",
				Notify: []rosters.NotifyRule{{Channel: "sms"}, {Channel: "voice", Delay: 2 * time.Minute}, {Channel: "email"}}},
		},
		{
			name: "people without notify get sms, voice after 2m, email",
			id:   "bob",
			want: rosters.Person{ID: "bob", Name: "Bob Diaz", Phone: "+15551230002", Email: "bob@example.com", Team: "payments",
				Notify: rosters.DefaultNotify()},
		},
		{
			name: "block-style notify with a delay map",
			id:   "carol",
			want: rosters.Person{ID: "carol", Name: "Carol Weber", Phone: "+4915112345671", Email: "carol@example.com", Team: "sre",
				Notify: []rosters.NotifyRule{{Channel: "voice"}, {Channel: "sms", Delay: time.Minute}}},
		},
		{
			name: "default rules skip email for a person without one",
			id:   "dave",
			want: rosters.Person{ID: "dave", Name: "Dave Okafor", Phone: "+4915112345672", Team: "sre",
				Notify: []rosters.NotifyRule{{Channel: "sms"}, {Channel: "voice", Delay: 2 * time.Minute}}},
		},
		{
			name: "default rules skip phone channels for a person without a phone",
			id:   "erin",
			want: rosters.Person{ID: "erin", Name: "Erin Novak", Email: "erin@example.com", Team: "sre",
				Notify: []rosters.NotifyRule{{Channel: "email"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := set.Person(tt.id)
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Len(t, set.People(), 5)
}

func TestPersonByPhone(t *testing.T) {
	set := loadTestdata(t)
	p, ok := set.PersonByPhone("+4915112345671")
	require.True(t, ok)
	assert.Equal(t, "carol", p.ID)
	_, ok = set.PersonByPhone("+15550000000")
	assert.False(t, ok, "unknown number")
	_, ok = set.Person("nobody")
	assert.False(t, ok, "unknown id")
}

func TestLoadDirReadsPoliciesWithCrossTeamTargets(t *testing.T) {
	set := loadTestdata(t)
	p, ok := set.Policy("payments/payments")
	require.True(t, ok)
	assert.Equal(t, rosters.Policy{
		Team: "payments", Name: "payments", Repeat: 2, AckTimeout: 30 * time.Minute,
		Steps: []rosters.Step{
			{Targets: []rosters.Target{{Kind: "rotation", Team: "sre", Name: "incident-commander"}}, Priorities: []string{"P0", "P1"}},
			{Targets: []rosters.Target{{Kind: "rotation", Team: "payments", Name: "primary"}}, EscalateAfter: 5 * time.Minute},
			{Targets: []rosters.Target{{Kind: "rotation", Team: "payments", Name: "business-hours"}, {Kind: "person", Team: "payments", Name: "alice"}},
				EscalateAfter: 10 * time.Minute},
		},
	}, p)

	sre, ok := set.Policy("sre/platform")
	require.True(t, ok)
	assert.Equal(t, []rosters.Target{{Kind: "rotation", Team: "payments", Name: "primary"}, {Kind: "person", Team: "sre", Name: "erin"}},
		sre.Steps[1].Targets, "a qualified rotation crosses files")
	_, ok = set.Policy("payments")
	assert.False(t, ok, "policies are looked up by team/name")
}

func TestLoadDirReadsServicesAndRotations(t *testing.T) {
	set := loadTestdata(t)
	svc, ok := set.Service("checkout")
	require.True(t, ok)
	assert.Equal(t, rosters.Service{
		Team: "payments", Name: "checkout", Policy: "payments/payments",
		GroupBy: []string{"alertname"}, Stakeholders: []string{"payments-leads@example.com"},
		UpdateEvery: map[string]time.Duration{"P0": 10 * time.Minute, "P1": 15 * time.Minute},
	}, svc)
	api, ok := set.Service("payments-api")
	require.True(t, ok)
	assert.Equal(t, "payments/payments", api.Policy, "a service may use another team's policy")

	names := []string{}
	for _, s := range set.Services() {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"checkout", "payments-api", "platform"}, names)

	refs := []string{}
	for _, r := range set.Rotations() {
		refs = append(refs, r.Ref())
	}
	assert.Equal(t, []string{"payments/business-hours", "payments/primary", "sre/follow-the-sun", "sre/incident-commander"}, refs)

	primary, ok := set.Rotation("payments/primary")
	require.True(t, ok)
	ny := mustLoc(t, "America/New_York")
	assert.Equal(t, []string{"alice", "bob"}, primary.Members)
	assert.Equal(t, 7*24*time.Hour, primary.Shift)
	assert.True(t, primary.Handoff.Equal(time.Date(2026, 1, 5, 9, 0, 0, 0, ny)))
	assert.Equal(t, "America/New_York", primary.Location.String())
	require.Len(t, primary.Overrides, 1)
	o := primary.Overrides[0]
	assert.Equal(t, "bob", o.Person)
	assert.True(t, o.From.Equal(time.Date(2026, 11, 20, 9, 0, 0, 0, ny)), "override from is local to the file's time zone")
	assert.True(t, o.To.Equal(time.Date(2026, 11, 27, 9, 0, 0, 0, ny)))

	bh, ok := set.Rotation("payments/business-hours")
	require.True(t, ok)
	assert.Equal(t, "Mon-Fri 09:00-17:00", bh.Hours.Text)
}

func TestSetOnCall(t *testing.T) {
	set := loadTestdata(t)
	ny := mustLoc(t, "America/New_York")
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		name   string
		target rosters.Target
		at     time.Time
		want   []string
	}{
		{"rotation: scheduled member", rosters.Target{Kind: "rotation", Team: "payments", Name: "primary"}, time.Date(2026, 1, 5, 9, 0, 0, 0, ny), []string{"alice"}},
		{"rotation: next week's member", rosters.Target{Kind: "rotation", Team: "payments", Name: "primary"}, time.Date(2026, 1, 12, 9, 0, 0, 0, ny), []string{"bob"}},
		{"rotation: override from another section of the file", rosters.Target{Kind: "rotation", Team: "payments", Name: "primary"}, time.Date(2026, 11, 23, 9, 0, 0, 0, ny), []string{"bob"}},
		{"rotation: outside hours nobody", rosters.Target{Kind: "rotation", Team: "payments", Name: "business-hours"}, time.Date(2026, 1, 10, 12, 0, 0, 0, ny), nil},
		{"rotation: another team's rotation", rosters.Target{Kind: "rotation", Team: "sre", Name: "incident-commander"}, time.Date(2026, 1, 5, 21, 0, 0, 0, berlin), []string{"dave"}},
		{"rotation: members from another team", rosters.Target{Kind: "rotation", Team: "sre", Name: "follow-the-sun"}, time.Date(2026, 1, 6, 9, 0, 0, 0, berlin), []string{"alice"}},
		{"person: that person", rosters.Target{Kind: "person", Team: "sre", Name: "erin"}, time.Now(), []string{"erin"}},
		{"unknown rotation: nobody", rosters.Target{Kind: "rotation", Team: "sre", Name: "nope"}, time.Now(), nil},
		{"unknown person: nobody", rosters.Target{Kind: "person", Name: "nope"}, time.Now(), nil},
		{"unknown kind: nobody", rosters.Target{Kind: "team", Name: "sre"}, time.Now(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ids []string
			for _, p := range set.OnCall(tt.target, tt.at) {
				ids = append(ids, p.ID)
			}
			assert.Equal(t, tt.want, ids)
		})
	}
}

func TestTargets(t *testing.T) {
	set := loadTestdata(t)
	tests := []struct {
		name    string
		ref     string
		want    rosters.Target
		wantErr string
	}{
		{name: "qualified rotation", ref: "rotation:sre/primary", wantErr: `no rotation "sre/primary"`},
		{name: "existing rotation", ref: "rotation:payments/primary", want: rosters.Target{Kind: "rotation", Team: "payments", Name: "primary"}},
		{name: "person gets their team", ref: "person:carol", want: rosters.Target{Kind: "person", Team: "sre", Name: "carol"}},
		{name: "person qualified by the wrong team", ref: "person:payments/carol", wantErr: `no person "payments/carol"`},
		{name: "unqualified rotation needs a team", ref: "rotation:primary", wantErr: `target "rotation:primary" is not rotation:TEAM/NAME or person:ID`},
		{name: "unknown kind", ref: "team:sre", wantErr: `target "team:sre" is not rotation:NAME or person:ID`},
		{name: "no kind", ref: "alice", wantErr: `target "alice" is not rotation:NAME or person:ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := set.ResolveTarget(tt.ref)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "rotation:sre/incident-commander", rosters.Target{Kind: "rotation", Team: "sre", Name: "incident-commander"}.String())
	assert.Equal(t, "person:alice", rosters.Target{Kind: "person", Team: "payments", Name: "alice"}.String())
}

func TestLoadDirSkipsOtherFilesAndNamesFilesByPath(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	write("README.md", "not yaml: [")
	write(".hidden.yaml", "not: [valid")
	write("a.yml", "team: a\npeople:\n  - id: x\n    email: x@example.com\n")
	write("b.yaml", "team: b\npeople:\n  - id: x\n    email: x@example.com\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o700))

	_, err := rosters.LoadDir(dir)
	require.EqualError(t, err, filepath.Join(dir, "b.yaml")+`:3: people[0].id: person "x" is already defined at `+filepath.Join(dir, "a.yml")+":3")
}

func TestLoadDirProblems(t *testing.T) {
	_, err := rosters.LoadDir(t.TempDir())
	var errs yamlfile.Errors
	require.ErrorAs(t, err, &errs)
	assert.Contains(t, err.Error(), "no roster files (*.yaml, *.yml)")

	_, err = rosters.LoadDir(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestZeroSetIsEmpty(t *testing.T) {
	var empty rosters.Set
	assert.Empty(t, empty.OnCall(rosters.Target{Kind: "rotation", Team: "t", Name: "r"}, time.Now()))
	assert.Empty(t, empty.Services())
	assert.Empty(t, empty.Rotations())
	_, ok := empty.PersonByPhone("+15550000001")
	assert.False(t, ok)
}

func TestSetIsSafeForConcurrentReads(t *testing.T) {
	set := loadTestdata(t)
	target := rosters.Target{Kind: "rotation", Team: "payments", Name: "primary"}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				at := start.Add(time.Duration(i) * time.Hour)
				assert.Len(t, set.OnCall(target, at), 1)
				_, _ = set.PersonByPhone("+15551230001")
				_ = set.Services()
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestOnCallAtListsEveryRotationWithItsNextHandoffs(t *testing.T) {
	files := map[string][]byte{"payments.yaml": []byte(`team: payments
timezone: America/New_York
people:
  - {id: alice, name: Alice, phone: "+15551230001"}
  - {id: bob, name: Bob, phone: "+15551230002"}
rotations:
  - {name: primary, members: [alice, bob], shift: 7d, handoff: "2026-11-16 09:00"}
  - {name: business-hours, members: [bob], shift: 1d, handoff: "2026-11-16 09:00", hours: "Mon-Fri 09:00-17:00"}
overrides:
  - {rotation: primary, person: bob, from: "2026-11-22 00:00", to: "2026-11-23 00:00"}
`), "sre.yaml": []byte(`team: sre
timezone: Europe/Berlin
people:
  - {id: erin, name: Erin, phone: "+4915112345678"}
rotations:
  - {name: ic, members: [erin], shift: 12h, handoff: "2026-11-16 08:00"}
`)}
	s, err := rosters.Parse(files)
	require.NoError(t, err)
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // Sunday 07:00 in New York

	all := s.OnCallAt(at, "", 2)
	require.Len(t, all, 3)
	got := map[string]rosters.OnCallNow{}
	for _, o := range all {
		got[o.Rotation.Ref()] = o
	}
	assert.Equal(t, "bob", got["payments/primary"].Person.ID)
	assert.Equal(t, rosters.WhyOverride, got["payments/primary"].Why)
	assert.Equal(t, "", got["payments/business-hours"].Person.ID)
	assert.Equal(t, rosters.WhyOutsideHours, got["payments/business-hours"].Why)
	assert.Equal(t, "erin", got["sre/ic"].Person.ID)
	assert.Equal(t, []time.Time{
		time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC),
	}, inUTC(got["payments/primary"].NextHandoffs))
	assert.Equal(t, []time.Time{
		time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC),
	}, inUTC(got["sre/ic"].NextHandoffs))

	assert.Len(t, s.OnCallAt(at, "sre", 2), 1)
}

func inUTC(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}

// The follow-the-sun example of the README: one step names two regional
// rotations whose hours complement each other; only the one covering the
// instant has anybody on call.
func TestFollowTheSun(t *testing.T) {
	s, err := rosters.Parse(map[string][]byte{
		"sre-emea.yaml": []byte(`team: sre-emea
timezone: Europe/Berlin
people:
  - {id: erin, name: Erin Gross, phone: "+4915112345678"}
rotations:
  - {name: follow-the-sun, members: [erin], shift: 7d, handoff: "2026-01-05 08:00", hours: "Mon-Sun 08:00-20:00"}
`),
		"sre-amer.yaml": []byte(`team: sre-amer
timezone: America/Los_Angeles
people:
  - {id: sam, name: Sam Ito, phone: "+15551230009"}
rotations:
  - {name: follow-the-sun, members: [sam], shift: 7d, handoff: "2026-01-05 11:00", hours: "Mon-Sun 11:00-23:00"}
policies:
  - name: sre
    steps:
      - notify: ["rotation:sre-emea/follow-the-sun", "rotation:sre-amer/follow-the-sun"]
        escalate_after: 10m
`)})
	require.NoError(t, err)
	policy, ok := s.Policy("sre-amer/sre")
	require.True(t, ok)
	onCall := func(at time.Time) []string {
		var ids []string
		for _, target := range policy.Steps[0].Targets {
			for _, p := range s.OnCall(target, at) {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	for _, c := range []struct {
		at   string
		want []string
	}{
		{"2026-11-22T07:00:00Z", []string{"erin"}}, // 08:00 Berlin
		{"2026-11-22T18:59:00Z", []string{"erin"}}, // 19:59 Berlin, 10:59 Los Angeles
		{"2026-11-22T19:00:00Z", []string{"sam"}},  // 11:00 Los Angeles
		{"2026-11-23T06:59:00Z", []string{"sam"}},  // 22:59 Los Angeles
		{"2026-07-01T06:30:00Z", []string{"erin"}}, // summer: 08:30 Berlin, 23:30 Los Angeles
		{"2026-07-01T05:30:00Z", []string{"sam"}},  // summer: 07:30 Berlin, 22:30 Los Angeles
	} {
		at, err := time.Parse(time.RFC3339, c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, onCall(at), c.at)
	}
}
