package rosters_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/rosters"
)

func TestHoursActive(t *testing.T) {
	// 2026-01-05 is a Monday.
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 1, day, hour, minute, 0, 0, time.UTC) }
	tests := []struct {
		name  string
		hours string
		at    time.Time
		want  bool
	}{
		{"empty hours are always active", "", at(10, 3, 0), true},
		{"weekday inside the window", "Mon-Fri 09:00-17:00", at(7, 12, 0), true},
		{"window start is inclusive", "Mon-Fri 09:00-17:00", at(5, 9, 0), true},
		{"window end is exclusive", "Mon-Fri 09:00-17:00", at(9, 17, 0), false},
		{"weekend outside a weekday window", "Mon-Fri 09:00-17:00", at(10, 12, 0), false},
		{"second window of a list", "Mon-Fri 09:00-17:00, Sat 10:00-14:00", at(10, 13, 59), true},
		{"window without days applies every day", "22:00-06:00", at(11, 23, 0), true},
		{"overnight window continues after midnight", "Fri 22:00-06:00", at(10, 5, 59), true},
		{"overnight window ends at its end", "Fri 22:00-06:00", at(10, 6, 0), false},
		{"overnight window belongs to the starting day", "Fri 22:00-06:00", at(9, 5, 0), false},
		{"overnight window on Sunday wraps into Monday", "Sun 20:00-08:00", at(5, 7, 0), true},
		{"day range wrapping past Sunday", "Fri-Mon 00:00-24:00", at(11, 12, 0), true},
		{"wrapped day range excludes midweek", "Fri-Mon 00:00-24:00", at(7, 12, 0), false},
		{"24:00 end covers the last minute", "Mon 00:00-24:00", at(5, 23, 59), true},
		{"full day names and any case", "monday-FRIDAY 09:00-17:00", at(6, 9, 30), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := rosters.ParseHours(tt.hours)
			require.NoError(t, err)
			assert.Equal(t, tt.want, h.Active(tt.at))
		})
	}
}

func TestParseHoursRejects(t *testing.T) {
	tests := []struct {
		name  string
		hours string
		want  string
	}{
		{"unknown day", "Mon-Fry 09:00-17:00", `window "Mon-Fry 09:00-17:00": "fry" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"missing time range", "Mon-Fri", `window "Mon-Fri": want a time range such as 09:00-17:00`},
		{"bad hour", "Mon 25:00-26:00", `window "Mon 25:00-26:00": "25:00" is not a time such as 09:00`},
		{"bad minutes", "Mon 09:60-10:00", `window "Mon 09:60-10:00": "09:60" is not a time such as 09:00`},
		{"24:00 as a start", "Mon 24:00-02:00", `window "Mon 24:00-02:00": "24:00" is not a time such as 09:00`},
		{"single digit hour", "Mon 9:00-17:00", `window "Mon 9:00-17:00": "9:00" is not a time such as 09:00`},
		{"empty window", "Mon 09:00-09:00", `window "Mon 09:00-09:00": starts and ends at the same time`},
		{"too many words", "Mon to Fri 09:00-17:00", `window "Mon to Fri 09:00-17:00": want days and times such as Mon-Fri 09:00-17:00`},
		{"empty item in a list", "Mon 09:00-17:00,", `window "": want days and times such as Mon-Fri 09:00-17:00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rosters.ParseHours(tt.hours)
			require.EqualError(t, err, tt.want)
		})
	}
}
