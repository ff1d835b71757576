package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/store"
)

// actionResult returns err when the connection failed. When the server
// rejected the action instead, it logs the error once per session and
// returns nil: the messages are stored, so polling goes on, and they
// stay in the folder until a later session applies the action.
func (s *session) actionResult(err error) error {
	var imapErr *imap.Error
	if err == nil || !errors.As(err, &imapErr) {
		return err
	}
	if !s.actionFailed {
		s.p.log.Error("post-fetch action rejected by the server; the stored messages stay in the folder "+
			"until it succeeds", "after", s.p.mailbox.After, "err", err)
	}
	s.actionFailed = true
	return nil
}

// applyAction applies the post-fetch action to the stored messages uids.
func (s *session) applyAction(uids []uint32) error {
	if s.p.mailbox.After == config.AfterNone || len(uids) == 0 {
		return nil
	}
	return s.applyActionSet(imap.UIDSetNum(toUIDs(uids)...))
}

// applyActionSet applies the post-fetch action to the messages of set.
func (s *session) applyActionSet(set imap.UIDSet) error {
	mb := s.p.mailbox
	var err error
	switch folder, move := mb.MoveFolder(); {
	case move:
		err = s.move(set, folder)
	case mb.After == config.AfterSeen:
		err = s.addFlag(set, imap.FlagSeen)
	case mb.After == config.AfterDelete:
		err = s.addFlag(set, imap.FlagDeleted)
		if err == nil {
			err = s.expunge(set)
		}
	}
	if err != nil {
		return fmt.Errorf("post-fetch action %q on UIDs %s: %w", mb.After, set, err)
	}
	return nil
}

func (s *session) addFlag(set imap.UIDSet, flag imap.Flag) error {
	return s.do(func() error {
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{flag}}, nil).Close()
	})
}

// expunge removes the messages of set. Without UIDPLUS (RFC 4315) it
// sends EXPUNGE, which also removes the messages that another client
// flagged \Deleted.
func (s *session) expunge(set imap.UIDSet) error {
	return s.do(func() error {
		if s.c.Caps().Has(imap.CapUIDPlus) {
			return s.c.UIDExpunge(set).Close()
		}
		return s.c.Expunge().Close()
	})
}

// move moves set to folder, creating the folder when the server reports
// that it does not exist.
func (s *session) move(set imap.UIDSet, folder string) error {
	err := s.do(func() error {
		_, err := s.c.Move(set, folder).Wait()
		return err
	})
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Code != imap.ResponseCodeTryCreate {
		return err
	}
	if err := s.do(func() error { return s.c.Create(folder, nil).Wait() }); err != nil {
		return fmt.Errorf("create folder %q: %w", folder, err)
	}
	s.p.log.Info("imap folder created for the post-fetch action", "folder", folder)
	return s.do(func() error {
		_, err := s.c.Move(set, folder).Wait()
		return err
	})
}

// catchUpAction applies the post-fetch action to the messages stored in
// an earlier session whose action did not run, because sved stopped or
// the connection failed between the commit and the action. Skipped
// messages are left alone.
func (s *session) catchUpAction(ctx context.Context) error {
	c := s.storedCursor()
	if s.p.mailbox.After == config.AfterNone || c.ActionUID >= c.LastUID {
		return nil
	}
	// The server ignores the UIDs it no longer has, such as those of
	// messages moved or deleted before the crash.
	set := rangesWithout(c.ActionUID+1, c.LastUID, c.Skipped)
	s.p.log.Info("applying the post-fetch action missed before", "from_uid", c.ActionUID+1,
		"to_uid", c.LastUID)
	if len(set) > 0 {
		if err := s.actionResult(s.applyActionSet(set)); err != nil || s.actionFailed {
			return err
		}
	}
	updated, err := s.p.cursors.UpdateCursor(ctx, s.p.key, s.uidValidity, func(sc *store.Cursor) {
		sc.ActionUID = c.LastUID
	})
	if err != nil {
		return fmt.Errorf("save post-fetch action progress at UID %d: %w", c.LastUID, err)
	}
	s.setCursor(updated)
	return nil
}

// rangesWithout returns the UIDs from first to last, both included,
// except those of skip.
func rangesWithout(first, last uint32, skip []uint32) imap.UIDSet {
	skip = slices.Sorted(slices.Values(skip))
	var set imap.UIDSet
	start := first
	for _, uid := range skip {
		if uid < start || uid > last {
			continue
		}
		if uid > start {
			set.AddRange(imap.UID(start), imap.UID(uid-1))
		}
		start = uid + 1
	}
	if start <= last {
		set.AddRange(imap.UID(start), imap.UID(last))
	}
	return set
}
