package twilio_test

import (
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
	"github.com/klaxonhq/klaxon/notifiers/twilio/twiliotest"
)

const pageKey = "page/INC-42/g1/r0/s1/alice/voice"

// escapedPage is pageKey as it appears in callback URLs.
const escapedPage = "page%2FINC-42%2Fg1%2Fr0%2Fs1%2Falice%2Fvoice"

func voice(to, body string) engine.Message {
	return engine.Message{Channel: engine.ChannelVoice, To: to, PersonID: "alice", Incident: "INC-42",
		Number: 42, PageKey: pageKey, Body: body}
}

// callDoc is a page call's TwiML, decoded.
type callDoc struct {
	XMLName xml.Name `xml:"Response"`
	Gathers []struct {
		NumDigits string   `xml:"numDigits,attr"`
		Timeout   string   `xml:"timeout,attr"`
		Action    string   `xml:"action,attr"`
		Method    string   `xml:"method,attr"`
		Says      []string `xml:"Say"`
	} `xml:"Gather"`
	Says   []string  `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
}

func decodeCall(t *testing.T, twiml string) callDoc {
	t.Helper()
	require.True(t, strings.HasPrefix(twiml, "<?xml"), twiml)
	var doc callDoc
	require.NoError(t, xml.Unmarshal([]byte(twiml), &doc), twiml)
	return doc
}

func TestSendVoicePlacesCallThatReadsTheIncidentAndGathersAKey(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	body := `INC-42 P1 checkout: "5xx" <high> & rising`

	id, retry, err := s.Send(context.Background(), voice(alice, body))
	require.NoError(t, err)
	assert.False(t, retry)

	calls := fake.CallsTo(alice)
	require.Len(t, calls, 1)
	c := calls[0]
	assert.Equal(t, c.SID, id)
	assert.Regexp(t, `^CA[0-9a-f]{32}$`, id)
	assert.Equal(t, "+15550001111", c.From)
	status := publicURL + "/v1/twilio/status?page=" + escapedPage
	assert.Equal(t, status, c.StatusCallback)
	assert.Equal(t, []string{"answered", "completed"}, c.StatusCallbackEvents)
	assert.Equal(t, "Enable", c.MachineDetection)
	assert.Equal(t, "true", c.AsyncAmd, "detection must not delay the call")
	assert.Equal(t, status, c.AsyncAmdStatusCallback)
	assert.Empty(t, c.Url)
	assert.Empty(t, fake.Messages())

	doc := decodeCall(t, c.Twiml)
	action := publicURL + "/v1/twilio/voice?page=" + escapedPage + "&incident=INC-42"
	require.Len(t, doc.Gathers, 2)
	for _, g := range doc.Gathers {
		assert.Equal(t, "1", g.NumDigits)
		assert.Equal(t, "10", g.Timeout)
		assert.Equal(t, action, g.Action)
		assert.Equal(t, "POST", g.Method)
	}
	assert.Equal(t, []string{body, twilio.VoicePrompt}, doc.Gathers[0].Says)
	assert.Equal(t, []string{twilio.VoicePrompt}, doc.Gathers[1].Says, "the prompt is repeated once")
	assert.Equal(t, []string{twilio.VoiceGoodbye}, doc.Says)
	assert.NotNil(t, doc.Hangup)
	assert.NotContains(t, c.Twiml, "<high>", "text is escaped")
}

func TestSendSMSStatusCallbackNamesThePage(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	m := sms(alice, "page")
	m.PageKey = "page/INC-42/g1/r0/s1/alice/sms"

	_, _, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	got := fake.MessagesTo(alice)
	require.Len(t, got, 1)
	assert.Equal(t, publicURL+"/v1/twilio/status?page=page%2FINC-42%2Fg1%2Fr0%2Fs1%2Falice%2Fsms", got[0].StatusCallback)
}

func TestSendVoiceClassifiesErrors(t *testing.T) {
	tests := []struct {
		name  string
		fail  func(*twiliotest.Server)
		retry bool
	}{
		{"server error is retried", func(f *twiliotest.Server) { f.FailNextCall(alice, 500, 20500, "injected") }, true},
		{"rate limit is retried", func(f *twiliotest.Server) { f.FailNextCall(alice, 429, 20429, "injected") }, true},
		{"closed connection is retried", func(f *twiliotest.Server) { f.DropNextCall(alice) }, true},
		{"invalid number is permanent", func(f *twiliotest.Server) { f.FailNextCall(alice, 400, 21211, "injected") }, false},
		{"region not enabled is permanent", func(f *twiliotest.Server) { f.FailNextCall(alice, 400, 21215, "injected") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := twiliotest.NewServer(t, accountSID, authToken)
			tt.fail(fake)
			s := newSender(t, fake.URL(), 0)

			id, retry, err := s.Send(context.Background(), voice(alice, "INC-42"))
			require.Error(t, err)
			assert.Empty(t, id)
			assert.Equal(t, tt.retry, retry)
			assert.Contains(t, err.Error(), "twilio send voice")
			assert.NotContains(t, err.Error(), authToken)
			assert.Empty(t, fake.Calls())

			_, _, err = s.Send(context.Background(), voice(alice, "INC-42"))
			require.NoError(t, err, "the failure was for one call only")
		})
	}
}

func TestFailNextCallLeavesMessagesAlone(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	fake.FailNextCall(alice, 400, 21211, "injected")
	s := newSender(t, fake.URL(), 0)

	_, _, err := s.Send(context.Background(), sms(alice, "page"))
	require.NoError(t, err)
	_, retry, err := s.Send(context.Background(), voice(alice, "INC-42"))
	require.Error(t, err)
	assert.False(t, retry)
}

func TestSendVoiceKeepsTwiMLUnderTwilioLimit(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)

	_, _, err := s.Send(context.Background(), voice(alice, strings.Repeat("<&> ", 3000)))
	require.NoError(t, err)
	c := fake.CallsTo(alice)[0]
	assert.Less(t, len(c.Twiml), 4000)
	doc := decodeCall(t, c.Twiml)
	assert.True(t, strings.HasSuffix(doc.Gathers[0].Says[0], "..."))
}

func TestSendVoiceWithoutPageKeyStillGathers(t *testing.T) {
	fake := twiliotest.NewServer(t, accountSID, authToken)
	s := newSender(t, fake.URL(), 0)
	m := voice(alice, "INC-42")
	m.PageKey = ""

	_, _, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	c := fake.CallsTo(alice)[0]
	assert.Equal(t, publicURL+"/v1/twilio/status", c.StatusCallback)
	action, err := twiliotest.GatherAction(c.Twiml)
	require.NoError(t, err)
	assert.Equal(t, publicURL+"/v1/twilio/voice?incident=INC-42", action)
}
