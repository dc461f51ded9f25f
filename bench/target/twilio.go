package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Twilio is a fake Twilio REST API on loopback, as few steps as an answer
// can take: it accepts every message and call, answers 201 with a fresh
// SID, and tells the bench when it accepted each message.
type Twilio struct {
	url      string
	srv      *http.Server
	served   chan struct{}
	accepted atomic.Int64
	seq      atomic.Uint64
	onSMS    func(to, body string, at time.Time)
}

// StartTwilio starts the fake; onSMS, when set, is called for each
// accepted message with the time it was accepted, from the server's
// goroutines.
func StartTwilio(onSMS func(to, body string, at time.Time)) (*Twilio, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake twilio: %w", err)
	}
	t := &Twilio{url: "http://" + ln.Addr().String(), served: make(chan struct{}), onSMS: onSMS}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", t.message)
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Calls.json", t.call)
	t.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(t.served)
		if err := t.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return t, nil
}

// URL is the fake's base URL, for Twilio's api_url.
func (t *Twilio) URL() string { return t.url }

// Accepted counts the messages and calls accepted so far.
func (t *Twilio) Accepted() int64 { return t.accepted.Load() }

// Stop closes the fake's listener and connections.
func (t *Twilio) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.srv.Shutdown(ctx); err != nil {
		_ = t.srv.Close()
	}
	<-t.served
}

func (t *Twilio) message(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"code":20001,"message":"Unable to parse request body","status":400}`, http.StatusBadRequest)
		return
	}
	at := time.Now()
	t.accepted.Add(1)
	if t.onSMS != nil {
		t.onSMS(r.PostForm.Get("To"), r.PostForm.Get("Body"), at)
	}
	t.created(w, "SM")
}

func (t *Twilio) call(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	t.accepted.Add(1)
	t.created(w, "CA")
}

// created answers 201 with a resource of a fresh SID.
func (t *Twilio) created(w http.ResponseWriter, prefix string) {
	sid := fmt.Sprintf("%s%032x", prefix, t.seq.Add(1))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"sid":%q,"status":"queued"}`, sid)
}
