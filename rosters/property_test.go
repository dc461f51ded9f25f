package rosters_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/rosters"
)

// randomRotation draws a rotation with distinct members, a shift of at
// least 90 minutes (longer than any daylight-saving jump in these zones)
// and a handoff between 05:00 and 23:59 local, clear of the jumps.
func randomRotation(t *testing.T, rng *rand.Rand) rosters.Rotation {
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Australia/Lord_Howe",
		"Asia/Kolkata", "America/Santiago", "America/St_Johns", "Pacific/Chatham"}
	shifts := []time.Duration{90 * time.Minute, 2 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
		36 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour}
	loc := mustLoc(t, zones[rng.IntN(len(zones))])
	members := make([]string, 1+rng.IntN(5))
	for i := range members {
		members[i] = fmt.Sprintf("m%d", i)
	}
	handoff := time.Date(2020+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 5+rng.IntN(19), rng.IntN(60), 0, 0, loc)
	return rosters.Rotation{Team: "t", Name: "r", Members: members, Shift: shifts[rng.IntN(len(shifts))], Handoff: handoff, Location: loc}
}

func TestRotationProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 3))
	for i := 0; i < 300; i++ {
		r := randomRotation(t, rng)
		for j := 0; j < 40; j++ {
			at := r.Handoff.Add(time.Duration(rng.Int64N(int64(6*365*24*time.Hour))) - 3*365*24*time.Hour)
			checkRotationAt(t, r, at, rng)
		}
	}
}

// checkRotationAt checks, around at: exactly one member is on call; it
// stays the same until the next handoff and changes to the next member
// exactly there; handoffs keep the local wall-clock time of day.
func checkRotationAt(t *testing.T, r rosters.Rotation, at time.Time, rng *rand.Rand) {
	desc := fmt.Sprintf("rotation %s shift %s handoff %s (%d members) at %s", r.Location, r.Shift, r.Handoff, len(r.Members), at.UTC())
	now, ok := r.OnCallAt(at)
	require.True(t, ok, desc)
	idx := slices.Index(r.Members, now)
	require.GreaterOrEqual(t, idx, 0, desc)

	hs := r.NextHandoffs(at, 3)
	require.Len(t, hs, 3, desc)
	require.True(t, hs[0].After(at), desc)
	for k, h := range hs {
		if k > 0 {
			gap := h.Sub(hs[k-1])
			require.InDelta(t, float64(r.Shift), float64(gap), float64(time.Hour), "%s: shift %d lasts %s", desc, k, gap)
		}
		if r.Shift%(24*time.Hour) == 0 {
			require.Equal(t, r.Handoff.Format("15:04"), h.In(r.Location).Format("15:04"), "%s: handoff %d at another local time", desc, k)
		}
	}

	before, _ := r.OnCallAt(hs[0].Add(-time.Nanosecond))
	require.Equal(t, now, before, "%s: changed before the handoff at %s", desc, hs[0].UTC())
	between := at.Add(time.Duration(rng.Int64N(int64(hs[0].Sub(at)))))
	mid, _ := r.OnCallAt(between)
	require.Equal(t, now, mid, "%s: changed at %s, between handoffs", desc, between.UTC())
	after, _ := r.OnCallAt(hs[0])
	require.Equal(t, r.Members[(idx+1)%len(r.Members)], after, "%s: the next member does not take over at %s", desc, hs[0].UTC())
}

// Shifts no longer than a daylight-saving jump may fall wholly inside it
// and be skipped, so only constancy between handoffs is checked here.
func TestShortShiftProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	zones := []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"}
	for i := 0; i < 200; i++ {
		loc := mustLoc(t, zones[rng.IntN(len(zones))])
		r := rosters.Rotation{
			Members:  []string{"a", "b", "c"},
			Shift:    []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour}[rng.IntN(3)],
			Handoff:  time.Date(2026, 1, 1, rng.IntN(24), rng.IntN(4)*15, 0, 0, loc),
			Location: loc,
		}
		for j := 0; j < 40; j++ {
			at := r.Handoff.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
			now, ok := r.OnCallAt(at)
			require.True(t, ok)
			hs := r.NextHandoffs(at, 2)
			require.True(t, hs[0].After(at) && hs[1].After(hs[0]))
			before, _ := r.OnCallAt(hs[0].Add(-time.Nanosecond))
			require.Equal(t, now, before, "%s %s at %s: changed before the handoff at %s", loc, r.Shift, at, hs[0])
		}
	}
}
