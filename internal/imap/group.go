package imap

import (
	"context"
	"log/slog"
	"sync"

	"github.com/sved-project/sved/internal/config"
)

// Group runs one Poller per mailbox of a configuration.
type Group struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	pollers []*Poller
}

// Start starts a poller for every mailbox of every tenant of cfg. A
// mailbox whose poller cannot be created is logged and left out, so that
// the others run.
func Start(cfg *config.Config, d Deliverer, cursors CursorStore, log *slog.Logger) *Group {
	ctx, cancel := context.WithCancel(context.Background())
	g := &Group{cancel: cancel}
	for _, t := range cfg.Tenants {
		for _, mb := range t.Mailboxes {
			p, err := New(t.ID, mb, d, cursors, log)
			if err != nil {
				log.Error("imap mailbox not polled", "tenant", t.ID, "mailbox", mb.Name, "err", err)
				continue
			}
			g.pollers = append(g.pollers, p)
			g.wg.Go(func() { p.Run(ctx) })
		}
	}
	return g
}

// Len returns the number of pollers running.
func (g *Group) Len() int {
	return len(g.pollers)
}

// Stop stops every poller, each ending IDLE and logging out, and waits
// for them.
func (g *Group) Stop() {
	g.cancel()
	g.wg.Wait()
}
