package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/rosters"
)

// smsLimit is the length of one SMS segment in the GSM-7 alphabet.
const smsLimit = 160

// render builds the message for page t of inc to person.
func (e *Engine) render(t *Timer, inc *Incident, person rosters.Person) Message {
	ch := t.Channel
	m := Message{Channel: ch, PersonID: person.ID, Incident: inc.Key, Number: inc.Number, PageKey: t.ID, To: person.Phone}
	switch ch {
	case ChannelSMS:
		m.Body = pageSMS(inc)
	case ChannelVoice:
		m.Body = headline(inc)
	case ChannelEmail:
		m.To = person.Email
		m.Subject = fmt.Sprintf("%s - %s - %s", inc.Key, inc.Priority, inc.Summary)
		m.Body = emailBody(inc)
	}
	return m
}

// headline is the incident in one line: "INC-42 P1 checkout: HighErrorRate".
func headline(inc *Incident) string {
	return fmt.Sprintf("%s %s %s: %s", inc.Key, inc.Priority, inc.Service, inc.Summary)
}

// pageSMS is the page text: the headline, cut to fit one SMS, and the reply
// line, which is never cut.
func pageSMS(inc *Incident) string {
	n := strconv.FormatInt(inc.Number, 10)
	reply := fmt.Sprintf(". Reply %sa ack, %sr resolve, %se escalate", n, n, n)
	return fitSMS(headline(inc), reply)
}

// resolutionNotice tells a paged person that the incident is over:
// "RESOLVED INC-42 checkout: HighErrorRate (by Alice Chen, 14m)".
func resolutionNotice(inc *Incident) string {
	tail := fmt.Sprintf(" (by %s, %s)", inc.ResolvedBy, shortDuration(inc.ResolvedAt.Sub(inc.OpenedAt)))
	return fitSMS(fmt.Sprintf("RESOLVED %s %s: %s", inc.Key, inc.Service, inc.Summary), tail)
}

// fitSMS joins head and tail into one GSM-7 SMS, cutting head (never tail)
// and replacing characters GSM-7 cannot carry.
func fitSMS(head, tail string) string {
	head, tail = toGSM7(head), toGSM7(tail)
	room := smsLimit - gsm7Len(tail)
	if gsm7Len(head) > room {
		var b strings.Builder
		used := 0
		for _, r := range head {
			w := gsm7Len(string(r))
			if used+w > room-3 {
				break
			}
			b.WriteRune(r)
			used += w
		}
		head = strings.TrimRight(b.String(), " ") + "..."
	}
	return head + tail
}

// shortDuration writes d as "45s", "14m" or "2h5m".
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	default:
		h := int(d.Hours())
		return fmt.Sprintf("%dh%dm", h, int(d.Minutes())-60*h)
	}
}

// emailBody is a plain-text page by email.
func emailBody(inc *Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nService: %s\nPriority: %s\nState: %s\nOpened: %s\n\nTimeline:\n",
		headline(inc), inc.Service, inc.Priority, inc.State, inc.OpenedAt.UTC().Format(time.RFC3339))
	for _, en := range inc.Timeline {
		fmt.Fprintf(&b, "  %s  %s\n", en.At.UTC().Format(time.RFC3339), en.Detail)
	}
	fmt.Fprintf(&b, "\nReply %da to the SMS page to acknowledge.\n", inc.Number)
	return b.String()
}
