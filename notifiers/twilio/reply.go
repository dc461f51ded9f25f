package twilio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/klaxonhq/klaxon/engine"
)

// HelpText answers an SMS reply that ParseReply does not understand. It fits
// one SMS: at most 160 GSM-7 characters.
const HelpText = `Reply 42a to ack INC-42, 42r to resolve, 42e to escalate, "ack" for your latest page, "upd 42 <text>" to post an update`

// ErrUnknownReply is the error ParseReply wraps for a reply it does not
// understand.
var ErrUnknownReply = errors.New("reply not understood")

// replyVerbs maps every word a responder may use for a verb.
var replyVerbs = map[string]engine.Verb{
	"a": engine.VerbAck, "ack": engine.VerbAck, "acknowledge": engine.VerbAck,
	"r": engine.VerbResolve, "res": engine.VerbResolve, "resolve": engine.VerbResolve,
	"e": engine.VerbEscalate, "esc": engine.VerbEscalate, "escalate": engine.VerbEscalate,
}

// maxIncidentDigits keeps incident numbers well inside int64.
const maxIncidentDigits = 15

// ParseReply parses a responder's SMS reply. Case, surrounding spaces and
// punctuation are ignored. It understands "42a", "42 a", "a42", "ack 42",
// "ack INC-42", "ack" (the latest incident paged to the sender), "ack all",
// the same for resolve (r, res, resolve) and escalate (e, esc, escalate), and
// "upd 42 <text>" (or "update"), whose text keeps its case.
func ParseReply(body string) (engine.Command, error) {
	if cmd, ok, err := parseUpdate(body); ok {
		return cmd, err
	}
	tokens := replyTokens(body)
	switch len(tokens) {
	case 0:
		return engine.Command{}, fmt.Errorf("%w: empty", ErrUnknownReply)
	case 1:
		return parseOneWord(tokens[0])
	case 2:
		return parseTwoWords(tokens[0], tokens[1])
	default:
		return engine.Command{}, fmt.Errorf("%w: too many words", ErrUnknownReply)
	}
}

// parseUpdate parses "upd 42 <text>". ok is false when body is no update.
func parseUpdate(body string) (cmd engine.Command, ok bool, err error) {
	word, rest := cutWord(strings.TrimLeftFunc(body, isSpaceOrPunct))
	word = strings.TrimRightFunc(word, isPunct)
	if !strings.EqualFold(word, "upd") && !strings.EqualFold(word, "update") {
		return engine.Command{}, false, nil
	}
	num, text := cutWord(strings.TrimLeftFunc(rest, unicode.IsSpace))
	n, err := parseIncident(strings.ToLower(strings.TrimFunc(num, isPunct)))
	if err != nil {
		return engine.Command{}, true, err
	}
	text = strings.ToValidUTF8(strings.TrimSpace(text), "\uFFFD")
	if text == "" {
		return engine.Command{}, true, fmt.Errorf("%w: update without text", ErrUnknownReply)
	}
	return engine.Command{Verb: engine.VerbUpdate, Number: n, Text: text}, true, nil
}

// parseOneWord parses "ack", "42a" and "a42".
func parseOneWord(w string) (engine.Command, error) {
	if v, ok := replyVerbs[w]; ok {
		return engine.Command{Verb: v}, nil
	}
	num, verb := splitDigits(w)
	if num == "" || verb == "" {
		return engine.Command{}, fmt.Errorf("%w: no verb and incident", ErrUnknownReply)
	}
	v, ok := replyVerbs[verb]
	if !ok {
		return engine.Command{}, fmt.Errorf("%w: unknown verb", ErrUnknownReply)
	}
	n, err := parseNumber(num)
	if err != nil {
		return engine.Command{}, err
	}
	return engine.Command{Verb: v, Number: n}, nil
}

// parseTwoWords parses "ack 42", "ack INC-42", "ack all" and "42 ack".
func parseTwoWords(a, b string) (engine.Command, error) {
	if v, ok := replyVerbs[a]; ok {
		if b == "all" {
			return engine.Command{Verb: v, All: true}, nil
		}
		n, err := parseIncident(b)
		if err != nil {
			return engine.Command{}, err
		}
		return engine.Command{Verb: v, Number: n}, nil
	}
	if v, ok := replyVerbs[b]; ok {
		n, err := parseIncident(a)
		if err != nil {
			return engine.Command{}, err
		}
		return engine.Command{Verb: v, Number: n}, nil
	}
	return engine.Command{}, fmt.Errorf("%w: unknown verb", ErrUnknownReply)
}

// splitDigits splits "42a" or "a42" into its number and its letters; either
// is empty when w is neither shape.
func splitDigits(w string) (num, letters string) {
	i := strings.IndexFunc(w, func(r rune) bool { return !isDigit(r) })
	switch {
	case i > 0 && allFunc(w[i:], isLetter):
		return w[:i], w[i:]
	case i == 0:
		j := strings.IndexFunc(w, isDigit)
		if j > 0 && allFunc(w[:j], isLetter) && allFunc(w[j:], isDigit) {
			return w[j:], w[:j]
		}
	}
	return "", ""
}

// parseIncident parses "42" or "<letters>-42" (such as "inc-42").
func parseIncident(w string) (int64, error) {
	if i := strings.LastIndexByte(w, '-'); i > 0 && allFunc(w[:i], isLetter) {
		w = w[i+1:]
	}
	return parseNumber(w)
}

// parseNumber parses a positive incident number of ASCII digits.
func parseNumber(w string) (int64, error) {
	if w == "" || len(w) > maxIncidentDigits || !allFunc(w, isDigit) {
		return 0, fmt.Errorf("%w: bad incident number", ErrUnknownReply)
	}
	n, err := strconv.ParseInt(w, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: bad incident number", ErrUnknownReply)
	}
	return n, nil
}

// replyTokens lower-cases body and splits it into words, each stripped of
// surrounding punctuation; words that were only punctuation are dropped.
func replyTokens(body string) []string {
	var tokens []string
	for _, f := range strings.Fields(strings.ToLower(body)) {
		if t := strings.TrimFunc(f, isPunct); t != "" {
			tokens = append(tokens, t)
		}
	}
	return tokens
}

// cutWord splits s at its first space.
func cutWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func isPunct(r rune) bool        { return unicode.IsPunct(r) || unicode.IsSymbol(r) }
func isSpaceOrPunct(r rune) bool { return unicode.IsSpace(r) || isPunct(r) }
func isDigit(r rune) bool        { return '0' <= r && r <= '9' }
func isLetter(r rune) bool       { return 'a' <= r && r <= 'z' }

// allFunc reports whether s is non-empty and every rune satisfies f.
func allFunc(s string, f func(rune) bool) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !f(r) }) < 0
}
