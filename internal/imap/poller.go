package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/store"
)

// Deliverer stores one item and the mails it causes, as intake.Pipeline
// does.
type Deliverer interface {
	Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error)
}

// CursorStore keeps the cursors of the polled mailboxes, as store.Store
// does.
type CursorStore interface {
	Cursor(key store.CursorKey) (store.Cursor, error)
	UpdateCursor(ctx context.Context, key store.CursorKey, uidValidity uint32,
		update func(c *store.Cursor)) (store.Cursor, error)
}

// Reconnection delays: the first retry waits about minBackoff, each
// further one twice as long, up to maxBackoff.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// Stats counts what a poller did since it started.
type Stats struct {
	Stored     uint64 // messages that became a new dossier
	Duplicates uint64 // messages whose dossier was already stored
	Failures   uint64 // failed attempts to fetch or store a message
	Skipped    uint64 // messages given up, too large or failing too often
	Reconnects uint64 // sessions that ended with an error
}

// Poller reads one IMAP mailbox of one tenant.
type Poller struct {
	tenant  string
	mailbox *config.Mailbox
	deliver Deliverer
	cursors CursorStore
	log     *slog.Logger
	key     store.CursorKey
	tls     *tls.Config
	workers int // messages delivered at once, deliverWorkers

	stored, duplicates, failures, skipped, reconnects atomic.Uint64

	// afterStore, when set, runs after a message is stored and before
	// its post-fetch action. Tests use it to stop the poller there.
	afterStore func(uid uint32)
	// notified, when set, runs when the server reports a new message
	// count. Benchmarks use it to split the latency.
	notified func()
}

// New returns a poller of mailbox for tenant. It reads the CA file, so
// that a bad file is reported before the first connection.
func New(tenant string, mailbox *config.Mailbox, d Deliverer, cursors CursorStore,
	log *slog.Logger) (*Poller, error) {
	tlsConfig := &tls.Config{ServerName: mailbox.Host, MinVersion: tls.VersionTLS12}
	if mailbox.CAFile != "" {
		pem, err := os.ReadFile(mailbox.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mailbox %s: read CA file: %w", mailbox.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mailbox %s: CA file %s contains no PEM certificate",
				mailbox.Name, mailbox.CAFile)
		}
		tlsConfig.RootCAs = pool
	}
	return &Poller{
		tenant:  tenant,
		mailbox: mailbox,
		deliver: d,
		cursors: cursors,
		log:     log.With("tenant", tenant, "mailbox", mailbox.Name),
		key:     store.CursorKey{Tenant: tenant, Mailbox: mailbox.Name},
		tls:     tlsConfig,
		workers: deliverWorkers,
	}, nil
}

// Stats returns the poller's counters.
func (p *Poller) Stats() Stats {
	return Stats{
		Stored:     p.stored.Load(),
		Duplicates: p.duplicates.Load(),
		Failures:   p.failures.Load(),
		Skipped:    p.skipped.Load(),
		Reconnects: p.reconnects.Load(),
	}
}

// Run polls the mailbox until ctx is done, reconnecting after every
// error with an exponential backoff. It returns once the session is
// logged out.
func (p *Poller) Run(ctx context.Context) {
	p.log.Info("imap poller started", "server", p.mailbox.Address(), "tls", p.mailbox.TLS,
		"folder", p.mailbox.Folder, "after", p.mailbox.After)
	defer func() {
		s := p.Stats()
		p.log.Info("imap poller stopped", "stored", s.Stored, "duplicates", s.Duplicates,
			"failures", s.Failures, "skipped", s.Skipped, "reconnects", s.Reconnects)
	}()

	failed := 0
	for {
		selected, err := p.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if selected {
			failed = 0
		}
		failed++
		p.reconnects.Add(1)
		delay := backoff(failed)
		p.log.Warn("imap session failed, reconnecting", "err", err, "attempt", failed,
			"retry_in", delay.Round(time.Millisecond))

		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// backoff returns the delay before reconnection attempt n (from 1):
// minBackoff doubled n-1 times, capped at maxBackoff, of which a random
// half is taken away so that pollers that failed together do not
// reconnect together.
func backoff(n int) time.Duration {
	d := maxBackoff
	if n < 20 {
		d = min(minBackoff<<(n-1), maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}
