package twilio_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
)

func TestParseReply(t *testing.T) {
	ack := func(n int64) engine.Command { return engine.Command{Verb: engine.VerbAck, Number: n} }
	res := func(n int64) engine.Command { return engine.Command{Verb: engine.VerbResolve, Number: n} }
	esc := func(n int64) engine.Command { return engine.Command{Verb: engine.VerbEscalate, Number: n} }
	upd := func(n int64, text string) engine.Command {
		return engine.Command{Verb: engine.VerbUpdate, Number: n, Text: text}
	}
	tests := []struct {
		name string
		body string
		want engine.Command
	}{
		{"number then letter", "42a", ack(42)},
		{"number, space, letter", "42 a", ack(42)},
		{"letter then number", "a42", ack(42)},
		{"word then number", "ack 42", ack(42)},
		{"word then incident key", "ack INC-42", ack(42)},
		{"any key prefix", "ack sev-7", ack(7)},
		{"key then word", "INC-42 ack", ack(42)},
		{"word alone is the latest incident", "ack", ack(0)},
		{"letter alone is the latest incident", "a", ack(0)},
		{"ack all", "ack all", engine.Command{Verb: engine.VerbAck, All: true}},
		{"long word", "acknowledge 42", ack(42)},
		{"word glued to number", "ack42", ack(42)},
		{"number glued to word", "42ack", ack(42)},
		{"upper case", "42A", ack(42)},
		{"mixed case word", "AcK Inc-42", ack(42)},
		{"surrounding spaces", "  42a \n", ack(42)},
		{"surrounding punctuation", "\"42a!\"", ack(42)},
		{"hash before number", "ack #42.", ack(42)},
		{"dash before number is punctuation", "ack -42", ack(42)},
		{"leading zeros", "042a", ack(42)},
		{"resolve letter", "42r", res(42)},
		{"resolve letter first", "r 42", res(42)},
		{"res word", "res 42", res(42)},
		{"resolve key", "resolve INC-42", res(42)},
		{"resolve alone", "Resolve", res(0)},
		{"resolve all", "r all", engine.Command{Verb: engine.VerbResolve, All: true}},
		{"escalate letter", "42e", esc(42)},
		{"esc word", "esc 42", esc(42)},
		{"escalate key", "escalate INC-42", esc(42)},
		{"escalate alone", "e", esc(0)},
		{"escalate all", "ESCALATE ALL", engine.Command{Verb: engine.VerbEscalate, All: true}},
		{"update keeps case", "upd 42 Rolled back to v1.2, errors falling", upd(42, "Rolled back to v1.2, errors falling")},
		{"update word", "Update 42 DB failover done.", upd(42, "DB failover done.")},
		{"update with key", "upd INC-42 fixed", upd(42, "fixed")},
		{"update trims text", "  upd 42:   on it   ", upd(42, "on it")},
		{"update keeps inner lines", "upd 42 line one\nline two", upd(42, "line one\nline two")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := twilio.ParseReply(tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseReplyRejects(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"only punctuation", " ?! "},
		{"number alone", "42"},
		{"unknown word", "hello"},
		{"unknown verb with number", "42x"},
		{"help", "help"},
		{"incident zero", "0a"},
		{"dash inside number", "ack 4-2"},
		{"key without number", "ack INC-"},
		{"digits inside verb", "4a2"},
		{"two numbers", "ack 42 43"},
		{"sentence", "I will look at it"},
		{"number too long", "ack 9999999999999999999999"},
		{"update without text", "upd 42"},
		{"update without number", "upd fixed it"},
		{"update alone", "update"},
		{"all without verb", "all"},
		{"number then all", "42 all"},
		{"non-ascii digits", "ack ٤٢"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := twilio.ParseReply(tt.body)
			assert.ErrorIs(t, err, twilio.ErrUnknownReply)
		})
	}
}

// gsm7Basic is the ASCII part of the GSM 03.38 basic character set.
const gsm7Basic = "@$_ !\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\r"

func TestHelpTextFitsOneSMS(t *testing.T) {
	assert.LessOrEqual(t, len(twilio.HelpText), 160)
	for _, r := range twilio.HelpText {
		assert.Truef(t, strings.ContainsRune(gsm7Basic, r), "%q is not in the GSM-7 basic set", r)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, seed := range []string{
		"42a", "42 a", "a42", "ack 42", "ack INC-42", "ack", "ack all", "42r", "r 42",
		"resolve INC-42", "42e", "esc all", "upd 42 rolling back", "update INC-7 Done.",
		"", " ", "42", "0a", "ack -1", "ack 99999999999999999999", "upd 42", "\xff\xfe", "a\u212a",
	} {
		f.Add(seed)
	}
	valid := map[engine.Verb]bool{engine.VerbAck: true, engine.VerbResolve: true, engine.VerbEscalate: true, engine.VerbUpdate: true}
	f.Fuzz(func(t *testing.T, body string) {
		cmd, err := twilio.ParseReply(body)
		if err != nil {
			if cmd != (engine.Command{}) {
				t.Fatalf("error %v with command %+v", err, cmd)
			}
			return
		}
		switch {
		case !valid[cmd.Verb]:
			t.Fatalf("invalid verb %q from %q", cmd.Verb, body)
		case cmd.Number < 0:
			t.Fatalf("negative number %d from %q", cmd.Number, body)
		case cmd.All && cmd.Number != 0:
			t.Fatalf("all with number %d from %q", cmd.Number, body)
		case (cmd.Verb == engine.VerbUpdate) != (cmd.Text != ""):
			t.Fatalf("text %q with verb %q from %q", cmd.Text, cmd.Verb, body)
		case cmd.Verb == engine.VerbUpdate && (cmd.Number == 0 || cmd.All):
			t.Fatalf("update without a single incident from %q", body)
		case !utf8.ValidString(cmd.Text):
			t.Fatalf("invalid UTF-8 text %q from %q", cmd.Text, body)
		}
	})
}
