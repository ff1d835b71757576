package smtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/store"
)

// Replies sent by the listener. go-smtp sends any error that is not a
// bare *gosmtp.SMTPError as a permanent 554 with the error text, so every
// error returned from a session method is one of these.
var (
	errNoSuchUser = &gosmtp.SMTPError{
		Code:         550,
		EnhancedCode: gosmtp.EnhancedCode{5, 1, 1},
		Message:      "No such recipient here; this server accepts mail for its own addresses only",
	}
	errTemporary = &gosmtp.SMTPError{
		Code:         451,
		EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
		Message:      "Temporary local problem, please try again later",
	}
	errBadSender = &gosmtp.SMTPError{
		Code:         553,
		EnhancedCode: gosmtp.EnhancedCode{5, 1, 7},
		Message:      "Invalid sender address",
	}
	errNoValidRecipient = &gosmtp.SMTPError{
		Code:         554,
		EnhancedCode: gosmtp.EnhancedCode{5, 5, 1},
		Message:      "No valid recipients",
	}
	errNeedsSMTPUTF8 = &gosmtp.SMTPError{
		Code:         553,
		EnhancedCode: gosmtp.EnhancedCode{5, 6, 7},
		Message:      "Non-ASCII address needs SMTPUTF8, which this server does not offer",
	}
	errBusy = &gosmtp.SMTPError{
		Code:         451,
		EnhancedCode: gosmtp.EnhancedCode{4, 3, 1},
		Message:      "Insufficient system resources, please try again later",
	}
	errTooManyRejected = &gosmtp.SMTPError{
		Code:         421,
		EnhancedCode: gosmtp.EnhancedCode{4, 7, 0},
		Message:      "Too many rejected recipients, closing connection",
	}
)

// maxRejectedRecipients is the number of rejected recipients after which
// a session is closed, as Postfix's smtpd_hard_error_limit does, so that
// one client cannot probe addresses at full speed.
const maxRejectedRecipients = 20

// readChunk is the size in which DATA is read and counted against the
// server's byte budget.
const readChunk = 64 << 10

// session is one SMTP transaction state for one connection.
type session struct {
	server *Server
	conn   *gosmtp.Conn
	remote string
	log    *slog.Logger

	from       string
	recipients []string
	rejected   int
}

func (s *session) Reset() {
	s.from = ""
	s.recipients = nil
}

func (s *session) Logout() error {
	if s.rejected > 0 {
		s.log.Info("session ended", "rejected_recipients", s.rejected)
	}
	return nil
}

func (s *session) Mail(from string, opts *gosmtp.MailOptions) error {
	s.Reset()
	if from != "" && !strings.Contains(from, "@") {
		return errBadSender
	}
	if !isASCII(from) && (opts == nil || !opts.UTF8) {
		return errNeedsSMTPUTF8
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	if !isASCII(to) {
		return s.reject(to, "non-ASCII address without SMTPUTF8", errNeedsSMTPUTF8)
	}
	r, ok := s.server.config().MatchRecipient(to)
	if !ok {
		return s.reject(to, "not an address of sved", errNoSuchUser)
	}
	if r.Token != "" {
		_, err := s.server.tokens.ByToken(r.Token)
		if errors.Is(err, store.ErrNotFound) {
			return s.reject(to, "unknown reply token", errNoSuchUser)
		}
		if err != nil {
			s.log.Error("reply token lookup failed", "tenant", r.Tenant.ID, "err", err)
			return errTemporary
		}
	}
	for _, seen := range s.recipients {
		if strings.EqualFold(seen, to) {
			return nil
		}
	}
	s.recipients = append(s.recipients, to)
	return nil
}

// reject counts a rejected recipient, logs the first few, and closes the
// session once there are too many.
func (s *session) reject(rcpt, reason string, reply *gosmtp.SMTPError) error {
	s.rejected++
	if s.rejected <= 3 {
		s.log.Info("recipient rejected", "rcpt", rcpt, "reason", reason)
	}
	if s.rejected < maxRejectedRecipients {
		return reply
	}
	s.log.Warn("closing session after too many rejected recipients", "rejected_recipients", s.rejected)
	conn := s.conn
	// The reply must be written before the connection closes.
	time.AfterFunc(100*time.Millisecond, func() { conn.Close() })
	return errTooManyRejected
}

func (s *session) Data(r io.Reader) (err error) {
	if len(s.recipients) == 0 {
		return errNoValidRecipient
	}
	var buf bytes.Buffer
	held, readErr := s.read(r, &buf)
	defer s.server.budget.release(held)
	if readErr != nil {
		return readErr
	}

	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic while storing message", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = errTemporary
		}
	}()

	env := &intake.Envelope{
		Channel:    dossier.ChannelSMTP,
		Remote:     s.remote,
		From:       s.from,
		Recipients: s.recipients,
		Raw:        buf.Bytes(),
	}
	results, err := s.server.pipeline.Deliver(context.Background(), env)
	if err != nil {
		if errors.Is(err, intake.ErrNoRecipient) || errors.Is(err, intake.ErrUnknownToken) {
			return errNoValidRecipient
		}
		s.log.Error("storing message failed", "from", s.from, "size", buf.Len(), "err", err)
		return errTemporary
	}
	return accepted(results)
}

// accepted returns the 250 reply naming the dossiers, which go-smtp sends
// as it is because its code is a success code.
func accepted(results []intake.Result) error {
	refs := make([]string, 0, len(results))
	for _, r := range results {
		refs = append(refs, r.Ref)
	}
	return &gosmtp.SMTPError{
		Code:         250,
		EnhancedCode: gosmtp.EnhancedCode{2, 0, 0},
		Message:      "OK: stored as " + strings.Join(refs, ", "),
	}
}

// read copies the message into buf, counting it against the server's
// byte budget. It returns the bytes taken from the budget, which the
// caller releases, and the SMTP error to send when reading failed.
func (s *session) read(r io.Reader, buf *bytes.Buffer) (held int64, err error) {
	chunk := make([]byte, readChunk)
	for {
		n, rerr := r.Read(chunk)
		if n > 0 {
			if !s.server.budget.tryAcquire(int64(n)) {
				s.log.Warn("message deferred: memory budget for messages in flight is used up",
					"max_inflight_bytes", s.server.budget.max)
				return held, errBusy
			}
			held += int64(n)
			buf.Write(chunk[:n])
		}
		switch {
		case rerr == io.EOF:
			return held, nil
		case rerr != nil:
			return held, s.readError(rerr)
		}
	}
}

// readError maps an error met while reading DATA to its reply.
func (s *session) readError(err error) error {
	var smtpErr *gosmtp.SMTPError
	switch {
	case errors.As(err, &smtpErr):
		s.log.Info("message rejected", "err", err)
		return smtpErr
	case errors.Is(err, gosmtp.ErrTooLongLine):
		s.log.Info("message rejected: line too long", "max_line_length", s.server.maxLine)
		return &gosmtp.SMTPError{
			Code:         554,
			EnhancedCode: gosmtp.EnhancedCode{5, 6, 0},
			Message:      fmt.Sprintf("Message has a line longer than %d octets", s.server.maxLine),
		}
	}
	s.log.Warn("reading message failed", "err", err)
	return errTemporary
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
