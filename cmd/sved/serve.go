package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/control"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/outbound"
	"github.com/sved-project/sved/internal/schedule"
	"github.com/sved-project/sved/internal/smtp"
	"github.com/sved-project/sved/internal/store"
)

// shutdownTimeout bounds how long open SMTP sessions and deliveries get to
// finish after SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

func newServeCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: SMTP, IMAP and web-form intake, outbound delivery, deadline scheduler, control socket",
		Long: `Run the daemon until SIGINT or SIGTERM: the SMTP listener, the IMAP
pollers of the configured mailboxes, the web-form listener when
http.listen is set, the outbound worker, the scheduler of alerts,
digests and implicit decisions, and the control socket that the other
commands use while it runs.

SIGHUP reloads the configuration file: the collectivites (addresses,
services, natures, forms, letter templates) apply to the next message,
and the IMAP pollers restart when their mailboxes changed. data_dir,
hostname, smtp, outbound and http are read only at start; a change to
them is logged as a warning and needs a restart. An invalid file, or a
template that does not parse, is logged and the running
configuration is kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g.defaultLevel = slog.LevelInfo
			log, err := g.logger()
			if err != nil {
				return err
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return serve(g.configPath, cfg, log)
		},
	}
}

// services are the parts of a running daemon.
type services struct {
	store    *store.Store
	pipeline *intake.Pipeline
	worker   *outbound.Worker
	smtp     *smtp.Server
	schedule *schedule.Scheduler
	renderer *notify.Renderer
}

// gcPercent is the garbage collector's target for the daemon when the
// GOGC environment variable does not set one. Under load most garbage
// comes from parsing messages and rendering letters. At 150 instead of
// Go's default 100, the collector runs less often: bench/smtp.sh at 50
// sessions and 20 KiB messages measured about 4% more messages a second
// for 7 MiB more peak memory (docs/benchmarks.md).
const gcPercent = 150

func serve(configPath string, cfg *config.Config, log *slog.Logger) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}

	var current atomic.Pointer[config.Config]
	current.Store(cfg)
	getConfig := current.Load

	st, err := openStore(cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	svc, err := buildServices(getConfig, st, log)
	if err != nil {
		return err
	}

	listener, err := net.Listen("tcp", cfg.SMTP.Listen)
	if err != nil {
		return fmt.Errorf("listen for SMTP on %s (smtp.listen): %w", cfg.SMTP.Listen, err)
	}
	web, err := newHTTPIntake(getConfig, st, svc.pipeline, log)
	if err != nil {
		listener.Close()
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Registered before any listener starts: an unhandled SIGHUP would
	// end the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	pollers := startMailboxPollers(cfg, svc.pipeline, st, log)
	go reloadOnHangup(ctx, hup, configPath, &current, svc.renderer.LoadTenants, log, pollers.reload)
	logWarnings(cfg, log)

	var wg sync.WaitGroup
	errc := make(chan error, 5)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	workerCtx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	run("outbound worker", func() error { return svc.worker.Run(workerCtx) })
	run("scheduler", func() error {
		svc.schedule.Run(workerCtx)
		return nil
	})
	run("control socket", func() error {
		return control.Listen(ctx, filepath.Join(cfg.DataDir, control.SocketName), st, svc.pipeline, log)
	})
	run("smtp listener", func() error { return svc.smtp.Serve(listener) })
	if web != nil {
		run("http listener", web.serve)
	}

	log.Info("sved started", "data_dir", cfg.DataDir, "tenants", len(cfg.Tenants),
		"outbound", cfg.Outbound.Transport, "scheduler_interval", cfg.Scheduler.Interval.String())
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", shutdownTimeout.String())
	case runErr = <-errc:
		log.Error("stopping after a fatal error", "err", runErr)
		stop()
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		pollers.stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-shutdownCtx.Done():
		// A poller still dialing a dead server: its next write fails on
		// the closed store and the message is read again at the next
		// start.
		log.Warn("imap pollers did not stop in time", "timeout", shutdownTimeout.String())
	}
	if err := svc.smtp.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("smtp shutdown", "err", err)
	}
	if web != nil {
		web.shutdown(shutdownCtx, log)
	}
	stopWorker()
	wg.Wait()
	log.Info("sved stopped")
	return runErr
}

func openStore(cfg *config.Config, log *slog.Logger) (*store.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s (data_dir): %w", cfg.DataDir, err)
	}
	return store.Open(storePath(cfg), store.Options{Logger: log})
}

// storePath is the bbolt file inside the data folder.
func storePath(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, "sved.db")
}

func buildServices(getConfig func() *config.Config, st *store.Store, log *slog.Logger) (*services, error) {
	cfg := getConfig()
	renderer, err := notify.New(cfg.Hostname, "")
	if err != nil {
		return nil, fmt.Errorf("load mail templates: %w", err)
	}
	if err := renderer.LoadTenants(cfg); err != nil {
		return nil, fmt.Errorf("load mail templates: %w", err)
	}
	pipeline := intake.New(getConfig, st, renderer, log)

	transport, err := outbound.NewTransport(cfg.Outbound, cfg.DataDir, cfg.Hostname, log)
	if err != nil {
		return nil, fmt.Errorf("outbound.transport: %w", err)
	}
	worker := outbound.NewWorker(st, transport, outbound.WorkerOptions{
		RetryInterval: cfg.Outbound.RetryInterval,
		MaxAttempts:   cfg.Outbound.MaxAttempts,
		Logger:        log,
	})

	server, err := smtp.New(getConfig, pipeline, st, log)
	if err != nil {
		return nil, err
	}
	sched := schedule.New(getConfig, st, renderer, log, nil)
	return &services{store: st, pipeline: pipeline, worker: worker, smtp: server, schedule: sched,
		renderer: renderer}, nil
}

// reloadOnHangup swaps in a new configuration on each SIGHUP when it is
// valid, then passes it to reloaded, and keeps the running one
// otherwise. check runs on the new configuration first, and an error
// keeps the running one as well.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, path string, current *atomic.Pointer[config.Config],
	check func(*config.Config) error, log *slog.Logger, reloaded func(*config.Config)) {
	started := current.Load()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			cfg, err := config.Load(path)
			if err == nil {
				err = check(cfg)
			}
			if err != nil {
				log.Error("configuration reload failed, keeping the running one", "file", path, "err", err)
				continue
			}
			// The keys read only at start are compared with the values
			// the process started with, which a reload never changes.
			for _, key := range restartKeys(started, cfg) {
				log.Warn("configuration key changed but applies only after a restart", "key", key)
			}
			current.Store(cfg)
			log.Info("configuration reloaded", "file", path, "tenants", len(cfg.Tenants))
			logWarnings(cfg, log)
			reloaded(cfg)
		}
	}
}

// logWarnings logs the settings that are valid but will stop a feature.
func logWarnings(cfg *config.Config, log *slog.Logger) {
	for _, w := range cfg.Warnings() {
		log.Warn("configuration warning", "key", w.Path, "problem", w.Message)
	}
}

// restartKeys lists the settings that differ between old and next but
// are read only at start: the listener, the store and the transport.
func restartKeys(old, next *config.Config) []string {
	var keys []string
	check := func(key string, changed bool) {
		if changed {
			keys = append(keys, key)
		}
	}
	check("data_dir", old.DataDir != next.DataDir)
	check("hostname", old.Hostname != next.Hostname)
	check("smtp", old.SMTP != next.SMTP)
	check("outbound", old.Outbound != next.Outbound)
	check("http", old.HTTP != next.HTTP)
	return keys
}
