package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// HandleDelivery records a provider's later report on a page it had
// accepted. A failed delivery fails the page and moves the person's next
// channel forward to now; a final success is noted on the timeline.
func (e *Engine) HandleDelivery(ctx context.Context, r DeliveryReport) error {
	t, ok := parsePageKey(r.PageKey)
	if !ok {
		// Not ours to act on, and Twilio must not retry it.
		e.log.Warn("delivery report for something that is not a page", "page", r.PageKey, "status", r.Status)
		return nil
	}
	inc, err := e.store.Incident(ctx, t.Incident)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delivery report for %s: %w", t.Incident, err)
	}
	page, ok := inc.Page(r.PageKey)
	if !ok || page.Status != PageSent {
		return nil
	}
	now := e.clock.Now()
	name := e.personName(t.Person)
	c := Completion{Incident: inc.Key}
	if !r.Failed {
		if r.Status != "delivered" && r.Status != "completed" {
			return nil
		}
		c.Entries = []Entry{{At: now, Kind: EntryPage, Actor: t.Person,
			Detail: fmt.Sprintf("%s to %s %s", t.Channel, name, r.Status)}}
		return e.store.Complete(ctx, now, c)
	}
	e.metrics.Pages.WithLabelValues(string(t.Channel), "undelivered").Inc()
	page.Status = PageFailed
	c.Pages = []Page{page}
	c.Entries = []Entry{{At: now, Kind: EntryPage, Actor: t.Person,
		Detail: fmt.Sprintf("%s to %s not delivered: %s%s", t.Channel, name, r.Status, errorCode(r.Code))}}
	if current(&inc, &t) {
		e.failover(&c, &t, inc.Priority, now)
	}
	if err := e.store.Complete(ctx, now, c); err != nil {
		return fmt.Errorf("delivery report for %s: %w", inc.Key, err)
	}
	e.Wake()
	return nil
}

func errorCode(code int) string {
	if code == 0 {
		return ""
	}
	return " (error " + strconv.Itoa(code) + ")"
}

// VoiceText is what a phone call says about an incident: its headline.
func (e *Engine) VoiceText(ctx context.Context, key string) (string, bool) {
	inc, err := e.store.Incident(ctx, key)
	if err != nil {
		return "", false
	}
	return headline(&inc), true
}

// parsePageKey reads a page key back into the page timer it names.
func parsePageKey(key string) (Timer, bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 7 || parts[0] != "page" || len(parts[2]) < 2 || len(parts[3]) < 2 || len(parts[4]) < 2 {
		return Timer{}, false
	}
	gen, err1 := strconv.ParseInt(parts[2][1:], 10, 64)
	round, err2 := strconv.Atoi(parts[3][1:])
	step, err3 := strconv.Atoi(parts[4][1:])
	if err := errors.Join(err1, err2, err3); err != nil {
		return Timer{}, false
	}
	return Timer{ID: key, Kind: TimerPage, Incident: parts[1], Gen: gen, Round: round, Step: step,
		Person: parts[5], Channel: Channel(parts[6])}, true
}
