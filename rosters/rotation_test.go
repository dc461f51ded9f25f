package rosters_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/rosters"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// rotation builds a rotation handing off at local wall time handoff
// ("2006-01-02 15:04" in tz).
func rotation(t testing.TB, tz string, shift time.Duration, handoff string, members ...string) rosters.Rotation {
	t.Helper()
	loc := mustLoc(t, tz)
	h, err := time.ParseInLocation("2006-01-02 15:04", handoff, loc)
	require.NoError(t, err)
	return rosters.Rotation{Team: "t", Name: "r", Members: members, Shift: shift, Handoff: h, Location: loc}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)

func TestOnCallAtFollowsLocalWallClock(t *testing.T) {
	tests := []struct {
		name string
		rot  rosters.Rotation
		at   string // UTC
		want string
	}{
		// 7d in New York, Mondays 09:00 local; DST starts Sunday 2026-03-08.
		{"7d NY: last minute of the EST week", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-03-09T12:59:59Z", "alice"},
		{"7d NY: hands off at 09:00 EDT after spring forward", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-03-09T13:00:00Z", "bob"},
		{"7d NY: not at 09:00 EST-equivalent elapsed time", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-03-09T13:30:00Z", "bob"},
		// DST ends Sunday 2026-11-01.
		{"7d NY: week before fall back starts at 09:00 EDT", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-10-26T13:00:00Z", "alice"},
		{"7d NY: still the old week at 08:59 EST", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-11-02T13:59:59Z", "alice"},
		{"7d NY: hands off at 09:00 EST after fall back", rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob"), "2026-11-02T14:00:00Z", "bob"},
		// 12h in New York: 09:00 and 21:00 local on both sides.
		{"12h NY: night shift from 21:00 EST", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-08T02:00:00Z", "night"},
		{"12h NY: night shift spanning spring forward lasts until 09:00 EDT", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-08T12:59:00Z", "night"},
		{"12h NY: day shift at 09:00 EDT", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-08T13:00:00Z", "day"},
		{"12h NY: night shift at 21:00 EDT", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-09T01:00:00Z", "night"},
		{"12h NY: night shift spanning fall back lasts until 09:00 EST", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-11-01T13:59:00Z", "night"},
		{"12h NY: day shift at 09:00 EST", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-11-01T14:00:00Z", "day"},
		// 1d in Berlin: DST starts 2026-03-29, ends 2026-10-25.
		{"1d Berlin: 09:00 CET the day before spring forward", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-03-28T08:00:00Z", "a"},
		{"1d Berlin: hands off at 09:00 CEST", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-03-29T07:00:00Z", "b"},
		{"1d Berlin: 08:59 CEST is the short shift", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-03-29T06:59:59Z", "a"},
		{"1d Berlin: 09:00 CEST the day before fall back", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-10-24T07:00:00Z", "a"},
		{"1d Berlin: long shift runs to 09:00 CET", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-10-25T07:59:59Z", "a"},
		{"1d Berlin: hands off at 09:00 CET", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-10-25T08:00:00Z", "b"},
		// 12h in Berlin.
		{"12h Berlin: 21:00 CET before spring forward", rotation(t, "Europe/Berlin", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-28T20:00:00Z", "night"},
		{"12h Berlin: 09:00 CEST after spring forward", rotation(t, "Europe/Berlin", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-03-29T07:00:00Z", "day"},
		{"12h Berlin: 21:00 CET after fall back", rotation(t, "Europe/Berlin", 12*time.Hour, "2026-01-05 09:00", "day", "night"), "2026-10-25T20:00:00Z", "night"},
		// 1d in New York.
		{"1d NY: 09:00 EST", rotation(t, "America/New_York", day, "2026-01-05 09:00", "a", "b"), "2026-03-07T14:00:00Z", "b"},
		{"1d NY: 09:00 EDT", rotation(t, "America/New_York", day, "2026-01-05 09:00", "a", "b"), "2026-03-08T13:00:00Z", "a"},
		// Handoff times the clock skips or repeats.
		{"handoff in the skipped hour happens at the jump", rotation(t, "America/New_York", day, "2026-03-01 02:30", "a", "b"), "2026-03-08T07:00:00Z", "b"},
		{"just before the jump the old shift runs", rotation(t, "America/New_York", day, "2026-03-01 02:30", "a", "b"), "2026-03-08T06:59:59Z", "a"},
		{"handoff in the repeated hour happens at its first occurrence", rotation(t, "America/New_York", day, "2026-10-25 01:30", "a", "b"), "2026-11-01T05:30:00Z", "b"},
		{"the repeated 01:10 does not hand back", rotation(t, "America/New_York", day, "2026-10-25 01:30", "a", "b"), "2026-11-01T06:10:00Z", "b"},
		{"the repeated hour's 01:30 does not hand off again", rotation(t, "America/New_York", day, "2026-10-25 01:30", "a", "b"), "2026-11-01T06:30:00Z", "b"},
		// Midnight and week boundaries.
		{"7d from Monday midnight: Sunday 23:59:59 is the old week", rotation(t, "Europe/Berlin", week, "2026-01-05 00:00", "a", "b"), "2026-01-11T22:59:59.999Z", "a"},
		{"7d from Monday midnight: Monday 00:00 is the new week", rotation(t, "Europe/Berlin", week, "2026-01-05 00:00", "a", "b"), "2026-01-11T23:00:00Z", "b"},
		{"1d at midnight: last nanosecond of the day", rotation(t, "UTC", day, "2026-01-01 00:00", "a", "b", "c"), "2026-01-02T23:59:59.999999999Z", "b"},
		{"1d at midnight: first instant of the next day", rotation(t, "UTC", day, "2026-01-01 00:00", "a", "b", "c"), "2026-01-03T00:00:00Z", "c"},
		{"midnight handoff skipped by DST happens at the jump", rotation(t, "America/Santiago", day, "2026-09-01 00:00", "a", "b"), "2026-09-06T04:00:00Z", "b"},
		{"before the skipped midnight the old shift runs", rotation(t, "America/Santiago", day, "2026-09-01 00:00", "a", "b"), "2026-09-06T03:59:59Z", "a"},
		// Before the first handoff the schedule runs backwards.
		{"at the first handoff members[0] starts", rotation(t, "UTC", week, "2026-01-05 09:00", "a", "b", "c"), "2026-01-05T09:00:00Z", "a"},
		{"just before the first handoff the last member is on", rotation(t, "UTC", week, "2026-01-05 09:00", "a", "b", "c"), "2026-01-05T08:59:59Z", "c"},
		{"two shifts before the first handoff", rotation(t, "UTC", week, "2026-01-05 09:00", "a", "b", "c"), "2025-12-22T09:00:00Z", "b"},
		{"years before the first handoff", rotation(t, "UTC", day, "2026-01-05 09:00", "a", "b", "c"), "2000-01-01T00:00:00Z", "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.rot.OnCallAt(utc(tt.at))
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNextHandoffs(t *testing.T) {
	tests := []struct {
		name  string
		rot   rosters.Rotation
		after string
		want  []string
	}{
		{"7d NY across spring forward", rotation(t, "America/New_York", week, "2026-01-05 09:00", "a", "b"), "2026-03-02T14:00:00Z",
			[]string{"2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z"}},
		{"7d NY across fall back", rotation(t, "America/New_York", week, "2026-01-05 09:00", "a", "b"), "2026-10-20T00:00:00Z",
			[]string{"2026-10-26T13:00:00Z", "2026-11-02T14:00:00Z", "2026-11-09T14:00:00Z"}},
		{"12h NY at 09:00 and 21:00 local across spring forward", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "a", "b"), "2026-03-07T12:00:00Z",
			[]string{"2026-03-07T14:00:00Z", "2026-03-08T02:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T01:00:00Z"}},
		{"12h NY across fall back", rotation(t, "America/New_York", 12*time.Hour, "2026-01-05 09:00", "a", "b"), "2026-10-31T12:00:00Z",
			[]string{"2026-10-31T13:00:00Z", "2026-11-01T01:00:00Z", "2026-11-01T14:00:00Z", "2026-11-02T02:00:00Z"}},
		{"1d Berlin across spring forward", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-03-27T12:00:00Z",
			[]string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{"1d Berlin across fall back", rotation(t, "Europe/Berlin", day, "2026-01-05 09:00", "a", "b"), "2026-10-23T12:00:00Z",
			[]string{"2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"}},
		{"12h Berlin across spring forward", rotation(t, "Europe/Berlin", 12*time.Hour, "2026-01-05 09:00", "a", "b"), "2026-03-28T12:00:00Z",
			[]string{"2026-03-28T20:00:00Z", "2026-03-29T07:00:00Z", "2026-03-29T19:00:00Z"}},
		{"strictly after: a handoff at after is not listed", rotation(t, "UTC", day, "2026-01-05 09:00", "a"), "2026-01-06T09:00:00Z",
			[]string{"2026-01-07T09:00:00Z"}},
		{"1h shift in the skipped hour is listed once", rotation(t, "America/New_York", time.Hour, "2026-03-08 00:00", "a", "b"), "2026-03-08T05:30:00Z",
			[]string{"2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"}},
		{"1h shift over the repeated hour lasts two hours", rotation(t, "America/New_York", time.Hour, "2026-11-01 00:00", "a", "b"), "2026-11-01T04:30:00Z",
			[]string{"2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rot.NextHandoffs(utc(tt.after), len(tt.want))
			want := make([]time.Time, len(tt.want))
			for i, s := range tt.want {
				want[i] = utc(s)
			}
			require.Len(t, got, len(want))
			for i := range want {
				assert.True(t, want[i].Equal(got[i]), "handoff %d: want %s, got %s", i, want[i], got[i].UTC())
				assert.Equal(t, tt.rot.Location, got[i].Location(), "handoffs are in the rotation's location")
			}
		})
	}
}

func TestNextHandoffsEdgeCases(t *testing.T) {
	r := rotation(t, "UTC", day, "2026-01-05 09:00", "a")
	assert.Empty(t, r.NextHandoffs(utc("2026-01-05T00:00:00Z"), 0), "no handoffs asked for")
	assert.Empty(t, rosters.Rotation{Members: []string{"a"}}.NextHandoffs(time.Now(), 3), "a rotation without a shift never hands off")
	_, ok := rosters.Rotation{Shift: day}.OnCallAt(time.Now())
	assert.False(t, ok, "a rotation without members has nobody on call")
}

func TestOnCallAtWithOverridesAndHours(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	base := rotation(t, "America/New_York", week, "2026-01-05 09:00", "alice", "bob")
	withOverride := base
	withOverride.Overrides = []rosters.Override{{
		Person: "carol",
		From:   time.Date(2026, 11, 20, 9, 0, 0, 0, ny),
		To:     time.Date(2026, 11, 27, 9, 0, 0, 0, ny),
	}}
	hours, err := rosters.ParseHours("Mon-Fri 09:00-17:00")
	require.NoError(t, err)
	businessHours := rotation(t, "America/New_York", day, "2026-01-05 09:00", "alice", "bob", "carol")
	businessHours.Hours = hours
	both := businessHours
	both.Overrides = withOverride.Overrides

	tests := []struct {
		name   string
		rot    rosters.Rotation
		at     time.Time
		want   string
		wantOK bool
	}{
		{"override replaces the scheduled person from its start", withOverride, time.Date(2026, 11, 20, 9, 0, 0, 0, ny), "carol", true},
		{"override covers the middle of its range", withOverride, time.Date(2026, 11, 24, 3, 0, 0, 0, ny), "carol", true},
		{"override ends before its to", withOverride, time.Date(2026, 11, 27, 9, 0, 0, 0, ny), "alice", true},
		{"schedule before the override", withOverride, time.Date(2026, 11, 20, 8, 59, 0, 0, ny), "bob", true},
		{"inside hours the scheduled member is on call", businessHours, time.Date(2026, 1, 6, 10, 0, 0, 0, ny), "bob", true},
		{"after hours nobody is on call", businessHours, time.Date(2026, 1, 6, 17, 0, 0, 0, ny), "", false},
		{"before hours nobody is on call", businessHours, time.Date(2026, 1, 6, 8, 59, 0, 0, ny), "", false},
		{"weekends nobody is on call", businessHours, time.Date(2026, 1, 10, 12, 0, 0, 0, ny), "", false},
		{"shifts keep turning through inactive days: seven shifts later, not five", businessHours, time.Date(2026, 1, 12, 9, 0, 0, 0, ny), "bob", true},
		{"an override applies even outside hours", both, time.Date(2026, 11, 21, 12, 0, 0, 0, ny), "carol", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.rot.OnCallAt(tt.at)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestScheduledAtIgnoresHours(t *testing.T) {
	r := rotation(t, "UTC", day, "2026-01-05 09:00", "a", "b")
	r.Hours, _ = rosters.ParseHours("Mon 09:00-10:00")
	got, ok := r.ScheduledAt(utc("2026-01-06T12:00:00Z"))
	require.True(t, ok)
	assert.Equal(t, "b", got)
}

func TestRef(t *testing.T) {
	assert.Equal(t, "payments/primary", rosters.Rotation{Team: "payments", Name: "primary"}.Ref())
	assert.Equal(t, "payments/payments", rosters.Policy{Team: "payments", Name: "payments"}.Ref())
}
