package rosters

import (
	"fmt"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// people adds the file's people: ids and phone numbers unique across all
// files, and notification rules each person can actually be reached by.
func (b *builder) people(f *parsedFile) {
	for i, item := range f.raw.People {
		r := item.Value
		field := fmt.Sprintf("people[%d]", i)
		if !b.name(f.name, r.ID, item.Line, field+".id") ||
			!b.define("person:"+r.ID.Value, f.name, lineOr(r.ID.Line, item.Line), field+".id", fmt.Sprintf("person %q", r.ID.Value)) {
			continue
		}
		p := Person{ID: r.ID.Value, Name: r.Name, Phone: r.Phone.Value, Email: r.Email.Value, Team: f.team}
		if p.Name == "" {
			p.Name = p.ID
		}
		b.contact(f.name, item.Line, field, r)
		p.Notify = b.notify(f.name, item.Line, field, p, r.Notify)
		b.set.people[p.ID] = p
		if p.Phone != "" && e164RE.MatchString(p.Phone) {
			b.set.phones[p.Phone] = p.ID
		}
	}
}

// contact checks a person's phone number and email address.
func (b *builder) contact(file string, line int, field string, r filePerson) {
	if phone := r.Phone; phone.Value != "" {
		if !e164RE.MatchString(phone.Value) {
			b.problem(file, phone.Line, field+".phone", "%q is not an E.164 number such as +15551230001", phone.Value)
		} else {
			b.define("phone:"+phone.Value, file, phone.Line, field+".phone", fmt.Sprintf("phone number %s", phone.Value))
		}
	}
	if email := r.Email; email.Value != "" && !validEmail(email.Value) {
		b.problem(file, email.Line, field+".email", "%q is not an email address", email.Value)
	}
	if r.Phone.Value == "" && r.Email.Value == "" {
		b.problem(file, line, field, "needs a phone or an email to be paged")
	}
}

// notify returns the person's rules: as written, or the default rules less
// the channels without a phone number or email address.
func (b *builder) notify(file string, line int, field string, p Person, written *yamlfile.Located[[]notifyItem]) []NotifyRule {
	if written == nil {
		var rules []NotifyRule
		for _, r := range DefaultNotify() {
			if reachable(p, r.Channel) {
				rules = append(rules, r)
			}
		}
		return rules
	}
	if len(written.Value) == 0 {
		b.problem(file, lineOr(written.Line, line), field+".notify", "must list at least one channel")
	}
	rules := make([]NotifyRule, 0, len(written.Value))
	seen := map[string]bool{}
	for j, item := range written.Value {
		f := fmt.Sprintf("%s.notify[%d]", field, j)
		switch {
		case item.Channel != ChannelSMS && item.Channel != ChannelVoice && item.Channel != ChannelEmail:
			b.problem(file, item.Line, f, "unknown channel %q (sms, voice or email)", item.Channel)
		case seen[item.Channel]:
			b.problem(file, item.Line, f, "channel %s is listed twice", item.Channel)
		case !reachable(p, item.Channel):
			b.problem(file, item.Line, f, "%s needs the person's %s", item.Channel, contactFor(item.Channel))
		}
		seen[item.Channel] = true
		rules = append(rules, NotifyRule{Channel: item.Channel, Delay: item.Delay})
	}
	return rules
}

// reachable reports whether p has the contact detail channel needs.
func reachable(p Person, channel string) bool {
	if channel == ChannelEmail {
		return p.Email != ""
	}
	return p.Phone != ""
}

func contactFor(channel string) string {
	if channel == ChannelEmail {
		return "email"
	}
	return "phone"
}
