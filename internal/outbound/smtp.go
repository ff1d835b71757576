package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// STARTTLS modes of an SMTPTransport.
const (
	StartTLSNone          = "none"
	StartTLSOpportunistic = "opportunistic"
	StartTLSRequired      = "required"
)

// defaultTimeout bounds one delivery when the configuration sets none.
const defaultTimeout = 60 * time.Second

// SMTPTransport hands mail to a relay over SMTP. It keeps up to
// maxIdleConns connections open between deliveries for idleTimeout, so
// that a burst of mail does not pay a TCP, EHLO, STARTTLS and AUTH
// exchange per message.
type SMTPTransport struct {
	addr     string // host:port of the relay
	host     string // host part of addr, the TLS server name
	err      error  // configuration error, returned by every Deliver
	startTLS string
	skipTLS  bool
	username string
	password string
	hostname string // sent in EHLO
	timeout  time.Duration
	logger   *slog.Logger

	// RootCAs, when set, replaces the system roots to verify the relay's
	// certificate.
	RootCAs *x509.CertPool

	mu   sync.Mutex
	idle []idleConn // newest last
}

// idleConn is a relay connection waiting for the next delivery.
type idleConn struct {
	c     *smtp.Client
	since time.Time
}

const (
	// maxIdleConns matches the worker's default concurrency.
	maxIdleConns = 16
	// idleTimeout is kept well below the 300 s after which Postfix's
	// smtpd drops an idle client (smtpd_timeout).
	idleTimeout = 30 * time.Second
)

// NewSMTPTransport returns a transport to the relay of cfg.Transport
// ("smtp://host:port"). hostname is sent in EHLO. A malformed relay
// address is reported by every Deliver as a temporary error, so queued
// mail waits for a corrected configuration.
func NewSMTPTransport(cfg config.Outbound, hostname string, logger *slog.Logger) *SMTPTransport {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if hostname == "" {
		hostname = "localhost"
	}
	t := &SMTPTransport{
		startTLS: cfg.StartTLS,
		skipTLS:  cfg.TLSSkipVerify,
		username: cfg.Username,
		password: cfg.Password,
		hostname: hostname,
		timeout:  cfg.Timeout,
		logger:   logger,
	}
	if t.startTLS == "" {
		t.startTLS = StartTLSOpportunistic
	}
	if t.timeout <= 0 {
		t.timeout = defaultTimeout
	}

	t.addr, t.err = relayAddress(cfg.Transport)
	if t.err == nil {
		t.host, _, _ = net.SplitHostPort(t.addr)
	}
	switch t.startTLS {
	case StartTLSNone, StartTLSOpportunistic, StartTLSRequired:
	default:
		t.err = fmt.Errorf("outbound starttls %q: want none, opportunistic or required", t.startTLS)
	}
	return t
}

// Deliver sends m in one SMTP transaction and returns the relay's reply
// to DATA, such as "250 2.0.0 Ok: queued as 4F2A1". A 5xx reply to MAIL,
// RCPT or DATA gives a *PermanentError. Errors while connecting, in
// STARTTLS or in AUTH are temporary whatever their code, because they
// concern the relay or sved's configuration rather than this mail.
func (t *SMTPTransport) Deliver(ctx context.Context, m *store.OutboundMail) (string, error) {
	if t.err != nil {
		return "", t.err
	}
	if len(m.Recipients) == 0 {
		return "", &PermanentError{Err: fmt.Errorf("mail %s has no recipient", m.ID)}
	}

	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()

	c, reused := t.takeIdle()
	if c == nil {
		var err error
		if c, err = t.open(ctx); err != nil {
			return "", err
		}
	}
	detail, open, err := t.sendWithin(ctx, c, m)
	var reply *smtp.SMTPError
	if err != nil && reused && ctx.Err() == nil && !errors.As(err, &reply) {
		// The relay closed the idle connection: retry once on a new one.
		t.logger.Debug("idle relay connection failed, reconnecting", "remote", t.addr, "err", err)
		c.Close()
		if c, err = t.open(ctx); err != nil {
			return "", err
		}
		detail, open, err = t.sendWithin(ctx, c, m)
	}
	if err != nil {
		c.Close()
		return "", t.contextError(ctx, err)
	}
	if open {
		t.putIdle(c)
	}
	return detail, nil
}

// open connects and authenticates a new relay connection.
func (t *SMTPTransport) open(ctx context.Context) (*smtp.Client, error) {
	c, err := t.connect(ctx)
	if err != nil {
		return nil, t.contextError(ctx, fmt.Errorf("relay %s: %w", t.addr, err))
	}
	if err := t.authenticate(c); err != nil {
		c.Close()
		return nil, t.contextError(ctx, fmt.Errorf("relay %s: %w", t.addr, err))
	}
	return c, nil
}

// sendWithin runs the transaction of m on c, closing c if ctx ends first.
// open is false when c was closed that way, even after a successful DATA.
func (t *SMTPTransport) sendWithin(ctx context.Context, c *smtp.Client, m *store.OutboundMail) (detail string, open bool, err error) {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	detail, err = t.send(c, m)
	return detail, stop(), err
}

// takeIdle returns the newest idle connection that has not timed out, and
// closes the older ones.
func (t *SMTPTransport) takeIdle() (*smtp.Client, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.idle) > 0 {
		last := t.idle[len(t.idle)-1]
		t.idle = t.idle[:len(t.idle)-1]
		if time.Since(last.since) < idleTimeout {
			return last.c, true
		}
		go quit(last.c)
	}
	return nil, false
}

// putIdle keeps c for the next delivery, or closes it when enough
// connections are already idle.
func (t *SMTPTransport) putIdle(c *smtp.Client) {
	if err := c.Reset(); err != nil {
		c.Close()
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.idle) >= maxIdleConns {
		go quit(c)
		return
	}
	t.idle = append(t.idle, idleConn{c: c, since: time.Now()})
}

// Close ends the idle relay connections with QUIT.
func (t *SMTPTransport) Close() error {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, ic := range idle {
		quit(ic.c)
	}
	return nil
}

func quit(c *smtp.Client) {
	if err := c.Quit(); err != nil {
		c.Close()
	}
}

func (t *SMTPTransport) contextError(ctx context.Context, err error) error {
	if ctx.Err() != nil && !IsPermanent(err) {
		return fmt.Errorf("%w (%w)", err, ctx.Err())
	}
	return err
}

// dial opens a TCP connection to the relay. The connection outlives ctx
// so that it can be kept idle; connect closes it if ctx ends during the
// greeting.
func (t *SMTPTransport) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: t.timeout}
	return d.DialContext(ctx, "tcp", t.addr)
}

// connect dials the relay, greets it and starts TLS according to the
// STARTTLS mode.
// In opportunistic mode a relay that does not offer STARTTLS is used in
// plain text, but a relay that offers it and fails the handshake or the
// certificate check is an error: falling back then would let an attacker
// on the path downgrade the connection.
func (t *SMTPTransport) connect(ctx context.Context) (*smtp.Client, error) {
	conn, err := t.dial(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if t.startTLS == StartTLSNone {
		return t.hello(smtp.NewClient(conn))
	}

	c, err := smtp.NewClientStartTLS(conn, t.tlsConfig())
	if err == nil {
		return t.hello(c)
	}
	if t.startTLS == StartTLSRequired || !isNoStartTLS(err) {
		return nil, fmt.Errorf("starttls: %w", err)
	}

	// The relay offers no STARTTLS and go-smtp closed the connection
	// after its EHLO, so open a new one in plain text.
	conn, err = t.dial(ctx)
	if err != nil {
		return nil, err
	}
	stopPlain := context.AfterFunc(ctx, func() { conn.Close() })
	defer stopPlain()
	return t.hello(smtp.NewClient(conn))
}

// isNoStartTLS reports whether err is go-smtp's (v0.26) error for a
// server that does not advertise STARTTLS. go-smtp has no typed error for
// it, so the text is matched, and TestNoStartTLSText fails if it changes.
func isNoStartTLS(err error) bool {
	var se *smtp.SMTPError
	return !errors.As(err, &se) && strings.Contains(err.Error(), "doesn't support STARTTLS")
}

// hello sends EHLO with the configured hostname and sets timeouts.
func (t *SMTPTransport) hello(c *smtp.Client) (*smtp.Client, error) {
	c.CommandTimeout = t.timeout
	c.SubmissionTimeout = t.timeout
	if err := c.Hello(t.hostname); err != nil {
		c.Close()
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	return c, nil
}

func (t *SMTPTransport) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         t.host,
		RootCAs:            t.RootCAs,
		InsecureSkipVerify: t.skipTLS,
		MinVersion:         tls.VersionTLS12,
	}
}

// authenticate runs AUTH PLAIN when a username is configured. The
// password travels only over TLS, or in plain text to a relay on the
// loopback interface.
func (t *SMTPTransport) authenticate(c *smtp.Client) error {
	if t.username == "" {
		return nil
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(t.host) {
		return errors.New("AUTH not attempted because the connection is not encrypted: " +
			"set starttls to required or use a relay on 127.0.0.1")
	}
	if !c.SupportsAuth(sasl.Plain) {
		return errors.New("AUTH: the relay does not offer PLAIN")
	}
	if err := c.Auth(sasl.NewPlainClient("", t.username, t.password)); err != nil {
		return fmt.Errorf("AUTH PLAIN as %s: %w", t.username, err)
	}
	return nil
}

// isLoopback reports whether host is a loopback IP address or
// "localhost".
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// send runs MAIL, RCPT and DATA, and returns the reply to DATA.
func (t *SMTPTransport) send(c *smtp.Client, m *store.OutboundMail) (string, error) {
	opts := &smtp.MailOptions{Size: int64(len(m.Raw))}
	if ok, _ := c.Extension("8BITMIME"); ok && message.Is8Bit(m.Raw) {
		opts.Body = smtp.Body8BitMIME
	}
	if !isASCII(m.EnvelopeFrom) || !allASCII(m.Recipients) {
		opts.UTF8 = true
	}
	if err := c.Mail(m.EnvelopeFrom, opts); err != nil {
		return "", replyError("MAIL FROM:<"+m.EnvelopeFrom+">", err)
	}
	// NOTE: one rejected recipient fails the whole mail, even when others
	// were accepted; sved's letters have a single recipient.
	for _, r := range m.Recipients {
		if err := c.Rcpt(r, nil); err != nil {
			return "", replyError("RCPT TO:<"+r+">", err)
		}
	}

	w, err := c.Data()
	if err != nil {
		return "", replyError("DATA", err)
	}
	if _, err := w.Write(m.Raw); err != nil {
		w.Close()
		return "", fmt.Errorf("write message data: %w", err)
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", replyError("end of DATA", err)
	}
	return "250 " + resp.StatusText, nil
}

// replyError wraps the error of an SMTP command, as a *PermanentError
// when the relay replied 5xx.
func replyError(command string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		wrapped := fmt.Errorf("%s: relay replied %s", command, formatReply(se))
		if se.Code >= 500 && se.Code <= 599 {
			return &PermanentError{Err: wrapped}
		}
		return wrapped
	}
	return fmt.Errorf("%s: %w", command, err)
}

// formatReply writes an SMTP reply as the relay sent it: code, enhanced
// code when present, text.
func formatReply(se *smtp.SMTPError) string {
	s := strconv.Itoa(se.Code)
	if se.EnhancedCode != (smtp.EnhancedCode{}) && se.EnhancedCode != smtp.NoEnhancedCode {
		s += fmt.Sprintf(" %d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
	}
	return s + " " + se.Message
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 127 {
			return false
		}
	}
	return true
}

func allASCII(l []string) bool {
	for _, s := range l {
		if !isASCII(s) {
			return false
		}
	}
	return true
}
