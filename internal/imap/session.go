package imap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/store"
)

// session is one connection to the server, with the folder selected.
type session struct {
	p           *Poller
	c           *imapclient.Client
	wake        chan struct{} // receives when the server reports new messages
	uidValidity uint32
	track       *tracker
	// actionFailed is set when the server rejected the post-fetch
	// action, so that ActionUID stays behind until a later session
	// succeeds.
	actionFailed bool
	// stopping is set once the poller is asked to stop, so that DONE and
	// LOGOUT wait at most stopTimeout for the server.
	stopping bool

	mu     sync.Mutex   // guards cursor, which delivery workers update
	cursor store.Cursor // as last read from or written to the store
}

// session connects, selects the folder and syncs until ctx is done or
// the connection fails. selected reports whether the folder was
// selected, which resets the reconnection backoff.
func (p *Poller) session(ctx context.Context) (selected bool, err error) {
	s := &session{p: p, wake: make(chan struct{}, 1)}
	if err := s.connect(); err != nil {
		return false, err
	}
	// A server that trickles a message byte by byte keeps resetting the
	// watchdog: once the poller is asked to stop, the connection gets
	// the time of DONE and LOGOUT, then it is closed whatever it does.
	force := context.AfterFunc(ctx, func() {
		time.AfterFunc(2*stopTimeout, func() { s.c.Close() })
	})
	defer force()
	defer s.close(ctx)

	if err := s.selectFolder(ctx); err != nil {
		return false, err
	}
	if err := s.catchUpAction(ctx); err != nil {
		return true, err
	}
	defer s.saveOnStop(ctx)
	for {
		if err := s.sync(ctx); err != nil {
			return true, err
		}
		if err := s.wait(ctx); err != nil || ctx.Err() != nil {
			return true, err
		}
	}
}

// saveOnStop stores how far the messages are stored when the poller
// stops, since the marks committed with them may lag behind. The
// post-fetch action of the last batch may be missing, so ActionUID
// stays where it is.
func (s *session) saveOnStop(ctx context.Context) {
	if ctx.Err() == nil {
		return
	}
	if err := s.saveCursor(context.Background(), false); err != nil {
		s.p.log.Warn("cursor not saved on stop; the last messages will be read again", "err", err)
	}
}

// connect dials the server and authenticates.
func (s *session) connect() error {
	mb := s.p.mailbox
	opts := &imapclient.Options{
		TLSConfig: s.p.tls,
		Dialer:    &net.Dialer{Timeout: mb.Timeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					if s.p.notified != nil {
						s.p.notified()
					}
					s.signal()
				}
			},
		},
	}
	var err error
	switch mb.TLS {
	case config.MailboxTLSImplicit:
		s.c, err = imapclient.DialTLS(mb.Address(), opts)
	case config.MailboxTLSStartTLS:
		s.c, err = imapclient.DialStartTLS(mb.Address(), opts)
	default:
		s.c, err = imapclient.DialInsecure(mb.Address(), opts)
	}
	if err != nil {
		return fmt.Errorf("connect to %s (tls %s): %w", mb.Address(), mb.TLS, err)
	}
	if err := s.authenticate(); err != nil {
		s.c.Close()
		return err
	}
	return nil
}

func (s *session) authenticate() error {
	mb := s.p.mailbox
	var caps imap.CapSet
	if err := s.do(func() error {
		caps = s.c.Caps()
		if caps == nil {
			return errors.New("no capability list")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("read capabilities of %s: %w", mb.Address(), err)
	}

	var err error
	switch {
	case caps.Has(imap.AuthCap(sasl.Plain)):
		err = s.do(func() error {
			return s.c.Authenticate(sasl.NewPlainClient("", mb.Username, mb.Password))
		})
	case caps.Has(imap.CapLoginDisabled):
		return fmt.Errorf("log in to %s: the server offers neither AUTHENTICATE PLAIN nor LOGIN", mb.Address())
	default:
		err = s.do(func() error { return s.c.Login(mb.Username, mb.Password).Wait() })
	}
	if err != nil {
		// The server's text may not name the user, so the error does.
		return fmt.Errorf("log in to %s as %s: %w", mb.Address(), mb.Username, err)
	}
	return nil
}

// selectFolder selects the folder, read-only when the mailbox is to be
// left as it is, and loads the cursor of its UIDVALIDITY.
func (s *session) selectFolder(ctx context.Context) error {
	mb := s.p.mailbox
	var data *imap.SelectData
	err := s.do(func() error {
		var err error
		data, err = s.c.Select(mb.Folder, &imap.SelectOptions{ReadOnly: mb.After == config.AfterNone}).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("select folder %q: %w", mb.Folder, err)
	}
	s.uidValidity = data.UIDValidity

	stored, err := s.p.cursors.Cursor(s.p.key)
	if err != nil {
		return err
	}
	switch {
	case stored.UIDValidity == data.UIDValidity:
		s.cursor = stored
	case stored.UIDValidity != 0:
		s.p.log.Warn("UIDVALIDITY changed, reading the whole folder again",
			"old_uid_validity", stored.UIDValidity, "uid_validity", data.UIDValidity)
		s.cursor = store.Cursor{UIDValidity: data.UIDValidity, Since: stored.Since}
	default:
		s.cursor = store.Cursor{UIDValidity: data.UIDValidity}
		if mb.Initial == config.InitialNew && data.NumMessages > 0 {
			if err := s.skipExisting(ctx, data); err != nil {
				return err
			}
		}
	}
	s.track = newTracker(s.cursor.LastUID)
	// Messages given up in an earlier session may lie above LastUID when
	// that session ended before it saved the cursor.
	for _, uid := range s.cursor.Skipped {
		s.track.settle(uid)
	}
	s.p.log.Info("imap folder selected", "folder", mb.Folder, "uid_validity", data.UIDValidity,
		"messages", data.NumMessages, "last_uid", s.cursor.LastUID, "idle", s.c.Caps().Has(imap.CapIdle))
	return nil
}

// skipExisting stores a first cursor past the messages already in the
// folder, so that only new messages are read.
func (s *session) skipExisting(ctx context.Context, data *imap.SelectData) error {
	last := uint32(data.UIDNext) - 1
	if data.UIDNext == 0 {
		// UIDNEXT is missing from the SELECT response: ask for the UID of
		// the last message instead.
		err := s.do(func() error {
			msgs, err := s.c.Fetch(imap.SeqSetNum(0), &imap.FetchOptions{UID: true}).Collect()
			if err == nil && len(msgs) > 0 {
				last = uint32(msgs[0].UID)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("read the UID of the last message: %w", err)
		}
	}
	// INTERNALDATE counts whole seconds: a message of the same second as
	// the first connection is read again rather than left unread.
	since := time.Now().UTC().Truncate(time.Second)
	c, err := s.p.cursors.UpdateCursor(ctx, s.p.key, data.UIDValidity, func(c *store.Cursor) {
		c.LastUID = last
		c.ActionUID = last
		c.Since = since
	})
	if err != nil {
		return err
	}
	s.cursor = c
	s.p.log.Info("first connection to the folder: the messages already there are left alone "+
		"(initial: new)", "messages", data.NumMessages, "last_uid", last)
	return nil
}

// wait returns when the folder should be synced again: on a new message
// notification or the resync timer while idling, after poll_interval
// without IDLE, or when ctx is done.
func (s *session) wait(ctx context.Context) error {
	mb := s.p.mailbox
	if !s.c.Caps().Has(imap.CapIdle) {
		return s.sleep(ctx, mb.PollInterval)
	}

	var idle *imapclient.IdleCommand
	if err := s.do(func() error {
		var err error
		idle, err = s.c.Idle()
		return err
	}); err != nil {
		return fmt.Errorf("start IDLE: %w", err)
	}
	sleepErr := s.sleep(ctx, mb.ResyncInterval)
	s.stopping = ctx.Err() != nil
	err := s.do(func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
	if sleepErr != nil {
		return sleepErr
	}
	if err != nil {
		return fmt.Errorf("end IDLE: %w", err)
	}
	return nil
}

// sleep waits for d, a wake-up from the server or ctx. It returns an
// error when the connection closes meanwhile.
func (s *session) sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-timer.C:
	case <-s.c.Closed():
		return errors.New("connection closed by the server")
	}
	return nil
}

func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// close logs out and closes the connection.
func (s *session) close(ctx context.Context) {
	s.stopping = s.stopping || ctx.Err() != nil
	err := s.do(func() error { return s.c.Logout().Wait() })
	s.c.Close()
	if err != nil {
		s.p.log.Debug("imap logout failed", "err", err)
	}
}

// do runs fn, which sends one command and waits for its response. When
// the response does not come within the mailbox's timeout, the watchdog
// closes the connection, which makes fn return an error.
func (s *session) do(fn func() error) error {
	w := s.watch()
	defer w.Stop()
	return fn()
}

// stopTimeout bounds the wait for each of DONE and LOGOUT when the
// poller stops, so that an unresponsive server cannot hold up sved's
// shutdown for the whole mailbox timeout.
const stopTimeout = 5 * time.Second

// watch starts a watchdog that closes the connection unless it is
// stopped or reset within the mailbox's timeout.
func (s *session) watch() *time.Timer {
	timeout := s.p.mailbox.Timeout
	if s.stopping {
		timeout = min(timeout, stopTimeout)
	}
	return time.AfterFunc(timeout, func() {
		s.p.log.Warn("imap server sent no response in time, closing the connection",
			"timeout", timeout)
		s.c.Close()
	})
}
