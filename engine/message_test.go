package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPageSMS(t *testing.T) {
	cases := []struct {
		name, summary, want string
	}{
		{"short summary is kept whole", "HighErrorRate api-gw 12% errors",
			"INC-42 P1 checkout: HighErrorRate api-gw 12% errors. Reply 42a ack, 42r resolve, 42e escalate"},
		{"long summary is cut, the reply line never", strings.Repeat("x", 200),
			"INC-42 P1 checkout: " + strings.Repeat("x", 95) + "..." + ". Reply 42a ack, 42r resolve, 42e escalate"},
		{"characters outside GSM-7 are replaced", "disk “full” – 95% 🔥",
			`INC-42 P1 checkout: disk "full" - 95% ?. Reply 42a ack, 42r resolve, 42e escalate`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := &Incident{Key: "INC-42", Number: 42, Priority: P1, Service: "checkout", Summary: c.summary}
			got := pageSMS(inc)
			assert.Equal(t, c.want, got)
			assert.LessOrEqual(t, gsm7Len(got), smsLimit)
		})
	}
}

func TestFitSMSCountsExtendedCharactersTwice(t *testing.T) {
	got := fitSMS(strings.Repeat("{", 100), " tail")
	// 76 braces take 152 septets; with "..." and " tail" that is exactly 160.
	assert.Equal(t, strings.Repeat("{", 76)+"... tail", got)
	assert.Equal(t, smsLimit, gsm7Len(got))
}

func TestResolutionNotice(t *testing.T) {
	opened := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	inc := &Incident{Key: "INC-42", Service: "checkout", Summary: "HighErrorRate",
		OpenedAt: opened, ResolvedAt: opened.Add(14*time.Minute + 20*time.Second), ResolvedBy: "Alice Chen"}
	assert.Equal(t, "RESOLVED INC-42 checkout: HighErrorRate (by Alice Chen, 14m)", resolutionNotice(inc))
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 14 * time.Minute: "14m", 125 * time.Minute: "2h5m", 0: "0s",
	} {
		assert.Equal(t, want, shortDuration(d))
	}
}
