package twilio

import (
	"encoding/xml"
	"net/url"
	"strings"
)

// The words a phone call says besides the incident.
const (
	// VoicePrompt tells the called person which keys do what.
	VoicePrompt = "Press 4 to acknowledge, 5 to escalate, 6 to resolve, star to repeat."
	// VoiceGoodbye ends a call.
	VoiceGoodbye = "Goodbye."
	// VoiceHelp answers a key that means nothing, or none.
	VoiceHelp = "Sorry, that key does nothing. " + VoicePrompt
	// VoiceUnavailable answers a keypress that cannot be acted on.
	VoiceUnavailable = "Sorry, Klaxon cannot act on this call. Please use the SMS or the web. Goodbye."
)

// gatherTimeout is how many seconds a Gather waits for a key.
const gatherTimeout = 10

// maxSayLen bounds one Say's text, in characters once escaped for XML:
// a page call's inline TwiML must stay under Twilio's 4,000 characters.
const maxSayLen = 1500

// twimlVoice is a TwiML document for a call: verbs in order.
type twimlVoice struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []any
}

// twimlSay speaks its text.
type twimlSay struct {
	XMLName xml.Name `xml:"Say"`
	Text    string   `xml:",chardata"`
}

// twimlGather says its prompts while waiting for one key, then posts it to
// Action. With no key it posts nothing and the call goes on to the next verb.
type twimlGather struct {
	XMLName   xml.Name `xml:"Gather"`
	NumDigits int      `xml:"numDigits,attr"`
	Timeout   int      `xml:"timeout,attr"`
	Action    string   `xml:"action,attr"`
	Method    string   `xml:"method,attr"`
	Says      []twimlSay
}

// twimlHangup ends the call.
type twimlHangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

// say returns a Say verb for text, cut to maxSayLen.
func say(text string) twimlSay {
	return twimlSay{Text: cutEscaped(text, maxSayLen)}
}

// gather returns a Gather for one key, posted to action, saying texts.
func gather(action string, texts ...string) twimlGather {
	g := twimlGather{NumDigits: 1, Timeout: gatherTimeout, Action: action, Method: "POST"}
	for _, t := range texts {
		g.Says = append(g.Says, say(t))
	}
	return g
}

// callTwiML is the TwiML a page call runs: it says text and the prompt
// while waiting for a key, says the prompt once more, then says goodbye and
// hangs up. Keys are posted to action.
func callTwiML(text, action string) string {
	return marshalTwiML(twimlVoice{Verbs: []any{
		gather(action, text, VoicePrompt),
		gather(action, VoicePrompt),
		say(VoiceGoodbye),
		twimlHangup{},
	}})
}

// sayAndHangUp is TwiML that says text and ends the call.
func sayAndHangUp(text string) string {
	return marshalTwiML(twimlVoice{Verbs: []any{say(text), twimlHangup{}}})
}

// askAgain is TwiML that says texts while waiting for a key posted to
// action, then says goodbye and hangs up.
func askAgain(action string, texts ...string) string {
	return marshalTwiML(twimlVoice{Verbs: []any{gather(action, texts...), say(VoiceGoodbye), twimlHangup{}}})
}

// marshalTwiML writes doc with an XML header. encoding/xml escapes every
// text and attribute and replaces characters XML cannot carry.
func marshalTwiML(doc twimlVoice) string {
	body, err := xml.Marshal(doc)
	if err != nil { // cannot happen: the document is strings and ints only
		return xml.Header + "<Response><Hangup/></Response>"
	}
	return xml.Header + string(body)
}

// voiceAction is the URL Twilio posts a call's keys to. It names the page
// and the incident; retry marks a second chance after a key that meant
// nothing.
func voiceAction(publicURL, pageKey, incident string, retry bool) string {
	var q strings.Builder
	if pageKey != "" {
		q.WriteString("page=" + url.QueryEscape(pageKey) + "&")
	}
	q.WriteString("incident=" + url.QueryEscape(incident))
	if retry {
		q.WriteString("&retry=1")
	}
	return publicURL + VoicePath + "?" + q.String()
}

// cutEscaped makes s valid UTF-8 and cuts it, marking a cut with "...",
// so that it is at most n characters long once escaped for XML.
func cutEscaped(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if escapedLenOf(s) <= n {
		return s
	}
	used := 0
	for i, r := range s {
		if used += escapedLen(r); used > n-3 {
			return strings.TrimRight(s[:i], " ") + "..."
		}
	}
	return s
}

// escapedLen is how many characters encoding/xml writes for r in text.
func escapedLen(r rune) int {
	switch r {
	case '<', '>':
		return 4
	case '&', '"', '\'', '\t', '\n', '\r':
		return 5
	}
	return 1
}

// escapedLenOf is escapedLen summed over s.
func escapedLenOf(s string) int {
	n := 0
	for _, r := range s {
		n += escapedLen(r)
	}
	return n
}
