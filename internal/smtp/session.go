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
)

// session is one SMTP transaction state for one connection.
type session struct {
	server *Server
	conn   *gosmtp.Conn
	remote string
	log    *slog.Logger

	from       string
	recipients []string
}

func (s *session) Reset() {
	s.from = ""
	s.recipients = nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *gosmtp.MailOptions) error {
	s.Reset()
	if from != "" && !strings.Contains(from, "@") {
		return errBadSender
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	r, ok := s.server.config().MatchRecipient(to)
	if !ok {
		s.log.Info("recipient rejected", "rcpt", to, "reason", "not an address of sved")
		return errNoSuchUser
	}
	if r.Token != "" {
		_, err := s.server.tokens.ByToken(r.Token)
		if errors.Is(err, store.ErrNotFound) {
			s.log.Info("recipient rejected", "rcpt", to, "reason", "unknown reply token")
			return errNoSuchUser
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

func (s *session) Data(r io.Reader) (err error) {
	if len(s.recipients) == 0 {
		return errNoValidRecipient
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		var smtpErr *gosmtp.SMTPError
		if errors.As(err, &smtpErr) {
			s.log.Info("message rejected", "err", err)
			return smtpErr
		}
		s.log.Warn("reading message failed", "err", err)
		return errTemporary
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
