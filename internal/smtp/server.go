// Package smtp is sved's inbound SMTP listener (RFC 5321, with the
// ESMTP extensions SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES and
// STARTTLS from RFC 1870, 6152, 2920, 2034 and 3207), built on
// github.com/emersion/go-smtp.
//
// It accepts only recipients the configuration names (intake addresses,
// and reply-token addresses whose dossier exists) and rejects every other
// one at RCPT with 550 5.1.1, so it never relays. It answers 250 to DATA
// only after the intake pipeline has committed the item to disk; a
// storage failure gets 451 4.3.0 so that the sender retries.
package smtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"log/slog"
	"net"
	"sync/atomic"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
)

// Deliverer is the part of the intake pipeline the listener uses.
type Deliverer interface {
	Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error)
}

// TokenLookup finds the dossier that owns a reply token; it returns
// store.ErrNotFound when none does.
type TokenLookup interface {
	ByToken(token string) (*dossier.Dossier, error)
}

// Server is the SMTP listener.
type Server struct {
	config   func() *config.Config
	pipeline Deliverer
	tokens   TokenLookup
	log      *slog.Logger
	srv      *gosmtp.Server
	connSeq  atomic.Uint64
	limits   *connLimits
	budget   *byteBudget
	// maxLine is the line length limit, for the error text.
	maxLine int
}

// New builds a listener from the SMTP section of cfg(). The configuration
// function is called for every recipient check, so reloaded intake
// addresses apply to the next command.
func New(cfg func() *config.Config, p Deliverer, tokens TokenLookup, logger *slog.Logger) (*Server, error) {
	c := cfg()
	s := &Server{config: cfg, pipeline: p, tokens: tokens, log: logger, maxLine: c.SMTP.MaxLineLength}
	s.limits = &connLimits{
		server:         s,
		maxTotal:       c.SMTP.MaxConnections,
		maxPerIP:       c.SMTP.MaxConnectionsPerIP,
		sessionTimeout: c.SMTP.SessionTimeout,
		perIP:          map[string]int{},
	}
	s.budget = &byteBudget{max: c.SMTP.MaxInflightBytes}

	srv := gosmtp.NewServer(s)
	srv.Domain = c.Hostname
	srv.MaxMessageBytes = c.SMTP.MaxMessageBytes
	srv.MaxRecipients = c.SMTP.MaxRecipients
	srv.MaxLineLength = c.SMTP.MaxLineLength
	srv.ReadTimeout = c.SMTP.ReadTimeout
	srv.WriteTimeout = c.SMTP.WriteTimeout
	srv.ErrorLog = log.New(slogWriter{logger}, "", 0)
	if c.SMTP.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.SMTP.TLSCert, c.SMTP.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load SMTP certificate %s: %w", c.SMTP.TLSCert, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.srv = srv
	return s, nil
}

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	s.log.Info("smtp listener started", "addr", l.Addr().String(),
		"starttls", s.srv.TLSConfig != nil, "max_message_bytes", s.srv.MaxMessageBytes)
	return s.srv.Serve(&limitListener{Listener: l, limits: s.limits})
}

// Shutdown stops accepting connections and waits for open sessions to
// end or ctx to expire.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.log.Info("smtp listener stopped")
	return err
}

// NewSession implements gosmtp.Backend.
func (s *Server) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	id := s.connSeq.Add(1)
	remote := c.Conn().RemoteAddr().String()
	return &session{
		server: s,
		conn:   c,
		remote: remote,
		log:    s.log.With("conn", id, "remote", remote, "channel", "smtp"),
	}, nil
}

// slogWriter turns go-smtp's log.Logger lines into slog warnings.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Warn("smtp server", "msg", string(p))
	return len(p), nil
}
