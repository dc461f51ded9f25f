package receivers

import (
	"bytes"
	"io"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// amTokens reads a webhook body of the usual shape straight from its JSON
// tokens, without the reflection of the general decoder, whose decoding was
// a quarter of what serving an alert storm of re-sent alerts cost. The
// usual shape: every name of ours in its own case and at most once in its
// object, every value of ours of the kind it should be (no nulls), strings
// valid UTF-8, times in plain RFC 3339. A body of any other shape, well
// formed or not, is left to the general decoder, which reads it as before
// and names what is wrong.
//
// An alert whose JSON is, byte for byte, that of one read recently is taken
// from recentAlerts instead of being read again: a storm re-sends the same
// alerts again and again. Names and short strings repeat from alert to
// alert (label names, statuses, alert names), so each reader keeps those it
// met in an intern table and hands out one copy of each.
type amTokens struct {
	body  tokens // the webhook
	alert tokens // one alert's JSON, when it was not read recently
}

// tokens reads JSON values from one decoder.
type tokens struct {
	dec    jsontext.Decoder
	buf    bytes.Buffer
	intern map[string]string
}

// internMost and internLongest bound a reader's intern table.
const (
	internMost    = 1024
	internLongest = 64
)

var amTokensPool = sync.Pool{New: func() any {
	intern := make(map[string]string, internMost)
	return &amTokens{body: tokens{intern: intern}, alert: tokens{intern: intern}}
}}

// readAM reads body into d; false when body is not of the usual shape, with
// d then holding whatever was read.
func readAM(body []byte, d *amDecoded) bool {
	r := amTokensPool.Get().(*amTokens)
	defer amTokensPool.Put(r)
	r.body.reset(body)
	defer r.body.reset(nil) // hold on to no body in the pool
	ok := r.message(d)
	if ok {
		// Only white space may follow the object.
		_, err := r.body.dec.ReadToken()
		ok = err == io.EOF
	}
	return ok
}

// reset makes t read JSON from b.
func (t *tokens) reset(b []byte) {
	t.buf = *bytes.NewBuffer(b)
	t.dec.Reset(&t.buf, decodeOptions)
}

// The names of ours in a webhook, as bits of a fieldSet.
const (
	fieldVersion fieldSet = 1 << iota
	fieldAlerts
	fieldStatus
	fieldLabels
	fieldAnnotations
	fieldStartsAt
	fieldEndsAt
	fieldGeneratorURL
	fieldFingerprint
)

// fieldSet is the names of ours an object has had.
type fieldSet uint16

// is reports whether name is field, spelled want; an unknown name is
// none of ours. For a name of ours met before, or in another case, which
// only the general decoder reads as it should, it sets bad.
func (s *fieldSet) is(name []byte, want string, field fieldSet, bad *bool) bool {
	switch {
	case !bytes.EqualFold(name, []byte(want)): // JSON's case folding too
		return false
	case *s&field != 0 || string(name) != want:
		*bad = true
		return false
	}
	*s |= field
	return true
}

// message reads the webhook's object: its version and its alerts.
func (r *amTokens) message(d *amDecoded) bool {
	t := &r.body
	if !t.open('{') {
		return false
	}
	var seen fieldSet
	for t.dec.PeekKind() != '}' {
		name, bad := t.name(), false
		switch {
		case name == nil:
			return false
		case seen.is(name, "version", fieldVersion, &bad):
			if !t.str(&d.Version) {
				return false
			}
		case seen.is(name, "alerts", fieldAlerts, &bad):
			d.Alerts.present = true
			if !r.alerts(&d.Alerts.list) {
				return false
			}
		case bad || t.dec.SkipValue() != nil:
			return false
		}
	}
	return t.close()
}

// alerts reads the alerts array, appending to list.
func (r *amTokens) alerts(list *[]amAlert) bool {
	t := &r.body
	if !t.open('[') {
		return false
	}
	for t.dec.PeekKind() != ']' {
		if t.dec.PeekKind() != '{' {
			return false
		}
		raw, err := t.dec.ReadValue()
		if err != nil {
			return false
		}
		a, ok := recentAlerts.get(raw)
		if !ok {
			if !r.readAlert(raw, &a) {
				return false
			}
			recentAlerts.put(raw, a)
		}
		*list = append(*list, a)
	}
	return t.close()
}

// readAlert reads one alert's JSON, raw, into a.
func (r *amTokens) readAlert(raw []byte, a *amAlert) bool {
	t := &r.alert
	t.reset(raw)
	defer t.reset(nil)
	return t.alert(a)
}

// alert reads one alert's object.
func (r *tokens) alert(a *amAlert) bool {
	if !r.open('{') {
		return false
	}
	var seen fieldSet
	for r.dec.PeekKind() != '}' {
		name := r.name()
		if name == nil || !r.alertField(a, &seen, name) {
			return false
		}
	}
	return r.close()
}

// alertField reads the value of an alert's field name.
func (r *tokens) alertField(a *amAlert, seen *fieldSet, name []byte) bool {
	bad := false
	switch {
	case seen.is(name, "status", fieldStatus, &bad):
		return r.str(&a.Status)
	case seen.is(name, "labels", fieldLabels, &bad):
		a.Labels = make(map[string]string, 8)
		return r.strings(a.Labels)
	case seen.is(name, "annotations", fieldAnnotations, &bad):
		a.Annotations = make(map[string]string)
		return r.strings(a.Annotations)
	case seen.is(name, "startsAt", fieldStartsAt, &bad):
		return r.time(&a.StartsAt)
	case seen.is(name, "endsAt", fieldEndsAt, &bad):
		return r.time(&a.EndsAt)
	case seen.is(name, "generatorURL", fieldGeneratorURL, &bad):
		return r.str(&a.GeneratorURL)
	case seen.is(name, "fingerprint", fieldFingerprint, &bad):
		return r.str(&a.Fingerprint)
	}
	return !bad && r.dec.SkipValue() == nil
}

// strings reads an object of strings into m; a repeated name keeps its
// last value, as the general decoder does.
func (r *tokens) strings(m map[string]string) bool {
	if !r.open('{') {
		return false
	}
	for r.dec.PeekKind() != '}' {
		var k, v string
		if !r.str(&k) || !r.str(&v) {
			return false
		}
		m[k] = v
	}
	return r.close()
}

// name reads an object's next name, unquoted; nil for one with escapes
// or invalid UTF-8, which the general decoder reads.
func (r *tokens) name() []byte {
	v := r.quoted()
	if v == nil {
		return nil
	}
	return plain(v)
}

// quoted reads the next value if it is a string, quotes and escapes as in
// the body; nil for any other value or an error.
func (r *tokens) quoted() jsontext.Value {
	if r.dec.PeekKind() != '"' {
		return nil
	}
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil
	}
	return v
}

// open reads the opening delimiter of an array or object.
func (r *tokens) open(kind jsontext.Kind) bool {
	if r.dec.PeekKind() != kind {
		return false
	}
	_, err := r.dec.ReadToken()
	return err == nil
}

// close reads the closing delimiter the caller peeked at.
func (r *tokens) close() bool {
	_, err := r.dec.ReadToken()
	return err == nil
}

// str reads a string of valid UTF-8 into s.
func (r *tokens) str(s *string) bool {
	v := r.quoted()
	if v == nil {
		return false
	}
	raw := plain(v)
	if raw == nil {
		unquoted, err := jsontext.AppendUnquote(nil, v)
		if err != nil || !utf8.Valid(unquoted) {
			return false
		}
		*s = string(unquoted)
		return true
	}
	*s = r.interned(raw)
	return true
}

// plain is the text of a quoted JSON string that has no escapes and is
// valid UTF-8, unquoted; nil for any other.
func plain(v jsontext.Value) []byte {
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return nil
	}
	return raw
}

// interned returns raw as a string, one copy of it for all short ones.
func (r *tokens) interned(raw []byte) string {
	if s, ok := r.intern[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(s) <= internLongest && len(r.intern) < internMost {
		r.intern[s] = s
	}
	return s
}

// time reads a time in plain RFC 3339 into t.
func (r *tokens) time(t *time.Time) bool {
	v := r.quoted()
	if v == nil {
		return false
	}
	raw := plain(v)
	return plainRFC3339(raw) && t.UnmarshalText(raw) == nil
}

// plainRFC3339 reports whether b has the form of an RFC 3339 time,
// 2006-01-02T15:04:05 with an optional fraction and a zone of Z or ±07:00
// in range, the form on which the general decoder checks nothing more than
// time.Time's own parsing does.
func plainRFC3339(b []byte) bool {
	const date = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(date)+1 || !digitsLike(b[:len(date)], date) {
		return false
	}
	rest := b[len(date):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		if n == 1 {
			return false
		}
		rest = rest[n:]
	}
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
		return true
	case len(rest) == len("+07:00") && (rest[0] == '+' || rest[0] == '-') && digitsLike(rest[1:], "dd:dd"):
		return (rest[1]-'0')*10+rest[2]-'0' < 24 && (rest[4]-'0')*10+rest[5]-'0' < 60
	}
	return false
}

// digitsLike reports whether b matches form, in which d stands for a digit
// and anything else for itself.
func digitsLike(b []byte, form string) bool {
	if len(b) != len(form) {
		return false
	}
	for i := range b {
		if form[i] == 'd' && !isDigit(b[i]) || form[i] != 'd' && b[i] != form[i] {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
