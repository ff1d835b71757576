package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/store"
	"github.com/sved-project/sved/internal/webhook"
)

// httpIntake is the web-form listener of a running daemon.
type httpIntake struct {
	server   *webhook.Server
	listener net.Listener
}

// newHTTPIntake builds the web-form intake and opens its listener when
// http.listen is set, and returns nil when it is not.
func newHTTPIntake(getConfig func() *config.Config, st *store.Store, p *intake.Pipeline, log *slog.Logger) (*httpIntake, error) {
	cfg := getConfig()
	if cfg.HTTP.Listen == "" {
		return nil, nil
	}
	key, err := webhook.LoadTokenKey(filepath.Join(cfg.DataDir, webhook.TokenKeyFile))
	if err != nil {
		return nil, err
	}
	server, err := webhook.New(webhook.Options{
		Config:   getConfig,
		Pipeline: p,
		Store:    st,
		TokenKey: key,
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen for HTTP on %s (http.listen): %w", cfg.HTTP.Listen, err)
	}
	return &httpIntake{server: server, listener: listener}, nil
}

// serve accepts requests until shutdown.
func (h *httpIntake) serve() error {
	return h.server.Serve(h.listener)
}

// shutdown lets the requests in progress finish until ctx ends.
func (h *httpIntake) shutdown(ctx context.Context, log *slog.Logger) {
	if err := h.server.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http shutdown", "err", err)
	}
}
