package emailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	// From and To are the envelope: MAIL FROM and every RCPT TO.
	From string
	To   []string
	// Header is the message's header, as sent.
	Header mail.Header
	// Subject is the Subject header, decoded.
	Subject string
	// Body is the body, decoded from its transfer encoding, lines ending
	// in "\n".
	Body string
	// Raw is the message as it crossed the wire.
	Raw []byte
	// TLS tells whether the message came over TLS (implicit or STARTTLS).
	TLS bool
	// Username is who the client authenticated as, if it did.
	Username string
}

// session is one SMTP connection.
type session struct {
	server *Server
	conn   *smtp.Conn
	user   string
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms implements smtp.AuthSession: PLAIN when credentials are set.
func (se *session) AuthMechanisms() []string {
	if se.server.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth implements smtp.AuthSession.
func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || se.server.opts.Username == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if err := se.server.checkAuth(username, password); err != nil {
			return err
		}
		se.user = username
		return nil
	}), nil
}

// Mail implements smtp.Session; it refuses a client that has not
// authenticated when credentials are set.
func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.server.opts.Username != "" && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

// Rcpt implements smtp.Session.
func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

// Data implements smtp.Session: it reads the message, answers with an
// injected failure if there is one, and records it otherwise.
func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if f := se.server.popFailure(); f != nil {
		return f
	}
	m, err := parseMessage(raw)
	if err != nil {
		return errNotParsable
	}
	_, m.TLS = se.conn.TLSConnectionState()
	m.From, m.To, m.Username = se.from, append([]string(nil), se.to...), se.user
	se.server.record(m)
	return nil
}

// Reset implements smtp.Session.
func (se *session) Reset() { se.from, se.to = "", nil }

// Logout implements smtp.Session.
func (se *session) Logout() error { return nil }

// parseMessage reads raw into a Message with its header, subject and body.
func parseMessage(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, err
	}
	return Message{Header: msg.Header, Subject: subject, Raw: raw,
		Body: strings.ReplaceAll(string(text), "\r\n", "\n")}, nil
}
