package target_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/bench/target"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/notifiers/twilio"
)

func TestFakeTwilioAcceptsWhatKlaxonsSenderSends(t *testing.T) {
	var mu sync.Mutex
	var got []string
	fake, err := target.StartTwilio(func(to, body string, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if at.IsZero() {
			t.Error("accepted without a time")
		}
		got = append(got, to+" "+body)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Stop()
	sender, err := twilio.New(twilio.Config{AccountSID: "ACbench", AuthToken: "benchtoken", From: []string{"+15550001111"},
		APIURL: fake.URL(), PublicURL: "http://127.0.0.1:1", MessagesPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sid, retry, err := sender.Send(ctx, engine.Message{Channel: engine.ChannelSMS, To: target.OnCallPhone,
		Body: "INC-1 P1 bench: PageLat7", PageKey: "page/INC-1"})
	if err != nil || retry || !strings.HasPrefix(sid, "SM") {
		t.Fatalf("Send = %q, %v, %v; want an SM sid", sid, retry, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != target.OnCallPhone+" INC-1 P1 bench: PageLat7" || fake.Accepted() != 1 {
		t.Fatalf("fake recorded %v (accepted %d)", got, fake.Accepted())
	}
}
