package twilio

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
)

// xmlSafe is s as an XML parser reads it back: valid UTF-8, characters XML
// cannot carry replaced.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return '\uFFFD'
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// FuzzCallTwiML checks that whatever the incident's text, page key and
// incident key, a page call's TwiML is well-formed XML that says the text
// (or a cut of it) and posts keys back to the same page and incident.
func FuzzCallTwiML(f *testing.F) {
	f.Add("INC-42 P1 checkout: HighErrorRate", "page/INC-42/g1/r0/s1/alice/voice", "INC-42")
	f.Add("<Say>&amp;\"'</Say>]]>", "a&b=c d", "INC-1?x=#")
	f.Add("\x00\x1b\r\n\t\uFFFE\xff\xfe", "\xff", "")
	f.Add(strings.Repeat("&", 2000), "", "INC-9")
	f.Fuzz(func(t *testing.T, text, pageKey, incident string) {
		action := voiceAction("https://klaxon.example.com", pageKey, incident, false)
		doc := callTwiML(text, action)
		var got struct {
			Gathers []struct {
				Action string   `xml:"action,attr"`
				Says   []string `xml:"Say"`
			} `xml:"Gather"`
		}
		if err := xml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("not XML: %v\n%s", err, doc)
		}
		if len(got.Gathers) != 2 || len(got.Gathers[0].Says) != 2 {
			t.Fatalf("want two gathers, the first saying two things:\n%s", doc)
		}
		checkAction(t, got.Gathers[0].Action, pageKey, incident)
		checkSaid(t, got.Gathers[0].Says[0], text)
		if len(pageKey)+len(incident) < 200 && len(doc) >= 4000 {
			t.Fatalf("TwiML is %d characters, Twilio takes 4,000", len(doc))
		}
	})
}

// checkAction checks that action posts to the voice path with the page and
// incident.
func checkAction(t *testing.T, action, pageKey, incident string) {
	t.Helper()
	u, err := url.Parse(action)
	if err != nil || u.Path != VoicePath {
		t.Fatalf("action %q: %v", action, err)
	}
	q := u.Query()
	if q.Get("page") != pageKey || q.Get("incident") != incident {
		t.Fatalf("action %q: page %q incident %q, want %q and %q", action, q.Get("page"), q.Get("incident"), pageKey, incident)
	}
}

// checkSaid checks that said is text, or text cut and marked "...".
func checkSaid(t *testing.T, said, text string) {
	t.Helper()
	want := xmlSafe(text)
	if said == want {
		return
	}
	cut, ok := strings.CutSuffix(said, "...")
	if !ok || !strings.HasPrefix(want, cut) {
		t.Fatalf("said %q, want %q or a cut of it", said, want)
	}
}
