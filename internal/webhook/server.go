package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
)

// Deliverer is the part of the intake pipeline the HTTP intake uses.
type Deliverer interface {
	DeliverForm(ctx context.Context, s *intake.FormSubmission) (intake.FormResult, error)
}

// Pinger reports whether the store can be read.
type Pinger interface {
	Ping() error
}

// Options configure a Server.
type Options struct {
	// Config is called once per request, so a reloaded configuration
	// applies its forms to the next request.
	Config   func() *config.Config
	Pipeline Deliverer
	Store    Pinger
	// TokenKey signs the form tokens of served pages; see LoadTokenKey.
	TokenKey []byte
	Logger   *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Server is the HTTP intake.
type Server struct {
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	limiter *rateLimiter
	pages   *pages
	srv     *http.Server
}

// New returns a server configured from the http section of
// opts.Config(). The listen address, timeouts and TLS files are read
// once; forms are read per request.
func New(opts Options) (*Server, error) {
	if len(opts.TokenKey) == 0 {
		return nil, errors.New("webhook: token key missing")
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, now: opts.Now, log: opts.Logger, limiter: newRateLimiter(), pages: pg}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}

	h := opts.Config().HTTP
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: h.ReadHeaderTimeout,
		ReadTimeout:       h.ReadTimeout,
		WriteTimeout:      h.WriteTimeout,
		IdleTimeout:       h.IdleTimeout,
		MaxHeaderBytes:    h.MaxHeaderBytes,
		ErrorLog:          log.New(&slogWriter{s.log}, "", 0),
	}
	if h.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(h.TLSCert, h.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load HTTP certificate %s (http.tls_cert): %w", h.TLSCert, err)
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Handler returns the routes, for tests and for embedding.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/forms/{form}", s.handleSubmit)
	mux.HandleFunc("GET /forms/{form}", s.handlePage)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	return mux
}

// Serve accepts connections on l until Shutdown, with TLS when a
// certificate is configured. It returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.log.Info("http listener started", "addr", l.Addr().String(), "tls", s.srv.TLSConfig != nil)
	var err error
	if s.srv.TLSConfig != nil {
		err = s.srv.ServeTLS(l, "", "")
	} else {
		err = s.srv.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		s.log.Info("http listener stopped")
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits for those in progress,
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.opts.Store.Ping(); err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "store unavailable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// clientIP returns the address of the connection's peer, without port.
// Behind a reverse proxy this is the proxy's address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// slogWriter sends the messages of net/http's error log (TLS handshake
// failures, malformed requests) to the structured log.
type slogWriter struct{ log *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	w.log.Warn("http server", "err", string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
