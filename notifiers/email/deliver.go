package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// deliver sends msg over a new connection, bounded by the sender's timeout
// and ctx's deadline, whichever comes first.
func (s *Sender) deliver(ctx context.Context, msg *gomail.Msg) error {
	timeout := s.timeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(min(timeout, time.Until(deadline)), time.Millisecond)
	}
	c, err := gomail.NewClient(s.host, s.options(timeout)...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// options are the go-mail client options for the sender's server.
func (s *Sender) options(timeout time.Duration) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(s.tls.Clone()),
	}
	switch s.mode {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.username == "" {
		return opts
	}
	opts = append(opts, gomail.WithUsername(s.username), gomail.WithPassword(s.password))
	if s.mode == TLSNone {
		// The operator chose a plain connection: allow PLAIN and LOGIN on it.
		return append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
	}
	return append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
}

// retryable reports whether a failed delivery may succeed later: an SMTP
// 4xx answer, a network error or a timeout. An SMTP 5xx answer (a refused
// recipient, a wrong password), an address go-mail cannot use, and a server
// that lacks what the configuration demands (STARTTLS, AUTH, a trusted
// certificate) will fail again the same way.
func retryable(err error) bool {
	if code := smtpCode(err); code != 0 {
		return code < 500
	}
	var send *gomail.SendError
	if errors.As(err, &send) {
		switch send.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return false
		}
	}
	return !misconfigured(err)
}

// smtpCode returns the SMTP reply code carried by err, or 0.
func smtpCode(err error) int {
	var send *gomail.SendError
	if errors.As(err, &send) && send.ErrorCode() != 0 {
		return send.ErrorCode()
	}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code
	}
	return 0
}

// misconfigured reports whether err says the server cannot be used as
// configured: it offers no STARTTLS or no usable AUTH, or its certificate
// is not trusted.
func misconfigured(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		return true
	case errors.Is(err, gomail.ErrNoSupportedAuthDiscovered),
		errors.Is(err, gomail.ErrPlainAuthNotSupported), errors.Is(err, gomail.ErrLoginAuthNotSupported):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "does not support STARTTLS") || strings.Contains(msg, "does not support SMTP AUTH")
}
