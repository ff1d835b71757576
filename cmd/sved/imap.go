package main

import (
	"log/slog"
	"slices"
	"sync"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/imap"
)

// mailboxPollers runs one IMAP poller per configured mailbox, and
// restarts them all when a reload changes any mailbox.
type mailboxPollers struct {
	deliver imap.Deliverer
	cursors imap.CursorStore
	log     *slog.Logger

	mu      sync.Mutex
	group   *imap.Group
	running []mailboxSetting
	stopped bool // set by stop, so that a late reload starts nothing
}

// mailboxSetting is one mailbox as configured, password included, so
// that a changed password file restarts its poller.
type mailboxSetting struct {
	tenant  string
	mailbox config.Mailbox
}

func startMailboxPollers(cfg *config.Config, d imap.Deliverer, cursors imap.CursorStore,
	log *slog.Logger) *mailboxPollers {
	m := &mailboxPollers{deliver: d, cursors: cursors, log: log}
	m.start(cfg)
	return m
}

func (m *mailboxPollers) start(cfg *config.Config) {
	m.running = mailboxSettings(cfg)
	m.group = imap.Start(cfg, m.deliver, m.cursors, m.log)
}

// reload restarts the pollers when the mailboxes of cfg differ from the
// running ones. Each poller ends IDLE and logs out before the new set
// starts, and the new pollers resume from the stored cursors.
func (m *mailboxPollers) reload(cfg *config.Config) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || slices.Equal(m.running, mailboxSettings(cfg)) {
		return
	}
	m.log.Info("imap mailboxes changed, restarting their pollers")
	m.group.Stop()
	m.start(cfg)
}

// stop stops every poller and waits for them.
func (m *mailboxPollers) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	m.group.Stop()
}

func mailboxSettings(cfg *config.Config) []mailboxSetting {
	var out []mailboxSetting
	for _, t := range cfg.Tenants {
		for _, mb := range t.Mailboxes {
			out = append(out, mailboxSetting{tenant: t.ID, mailbox: *mb})
		}
	}
	return out
}
