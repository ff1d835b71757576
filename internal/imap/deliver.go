package imap

import (
	"context"
	"fmt"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/store"
)

// store delivers one message to the pipeline with its cursor mark and
// reports whether it is stored.
func (s *session) store(ctx context.Context, uid uint32, raw []byte) bool {
	mb := s.p.mailbox
	mark := &store.CursorMark{Key: s.p.key, UIDValidity: s.uidValidity, UID: s.track.markFor(uid)}
	env := &intake.Envelope{
		Channel:    dossier.ChannelIMAP,
		Remote:     mb.Address(),
		From:       envelopeSender(raw),
		Recipients: []string{mb.Intake},
		Raw:        raw,
		Cursor:     mark,
	}
	results, err := s.safeDeliver(ctx, env)
	if err != nil {
		if ctx.Err() == nil {
			s.fail(ctx, uid, err, false)
		}
		return false
	}

	s.track.settle(uid)
	created := len(results) > 0 && results[0].Created
	if created {
		s.p.stored.Add(1)
	} else {
		s.p.duplicates.Add(1)
	}
	if len(results) > 0 && !results[0].Added {
		s.noteLastUID(mark.UID)
	}
	ref := ""
	if len(results) > 0 {
		ref = results[0].Ref
	}
	s.p.log.Debug("imap message stored", "uid", uid, "dossier", ref, "duplicate", !created)
	if s.p.afterStore != nil {
		s.p.afterStore(uid)
	}
	return true
}

// safeDeliver calls the pipeline and turns a panic into an error, so
// that one message cannot stop the poller.
func (s *session) safeDeliver(ctx context.Context, env *intake.Envelope) (results []intake.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic while delivering: %v", v)
		}
	}()
	return s.p.deliver.Deliver(ctx, env)
}

// fail counts a failed attempt at uid in the store. After max_attempts
// failures, or at once when permanent is set, the message is given up:
// it is logged, recorded as skipped and no longer holds the cursor back.
func (s *session) fail(ctx context.Context, uid uint32, cause error, permanent bool) {
	limit := s.p.mailbox.MaxAttempts
	attempts := 0
	c, err := s.p.cursors.UpdateCursor(ctx, s.p.key, s.uidValidity, func(c *store.Cursor) {
		if c.Failures == nil {
			c.Failures = map[uint32]int{}
		}
		c.Failures[uid]++
		attempts = c.Failures[uid]
		if permanent || attempts >= limit {
			c.Skipped = append(c.Skipped, uid)
			delete(c.Failures, uid)
		}
	})
	if err != nil {
		s.p.failures.Add(1)
		s.p.log.Error("imap message not stored, and its failure not recorded; it will be tried again",
			"uid", uid, "err", cause, "store_err", err)
		return
	}
	s.setCursor(c)

	if !permanent && attempts < limit {
		s.p.failures.Add(1)
		s.p.log.Warn("imap message not stored; it will be tried again", "uid", uid,
			"attempt", attempts, "max_attempts", limit, "err", cause)
		return
	}
	s.p.skipped.Add(1)
	s.p.log.Error("imap message skipped and left in the folder", "uid", uid,
		"attempts", attempts, "err", cause)
	s.storePlaceholder(ctx, uid, cause)
	s.track.settle(uid)
}

// noteLastUID records that the store's cursor has reached uid through a
// mark committed with a message.
func (s *session) noteLastUID(uid uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor.LastUID = max(s.cursor.LastUID, uid)
}

func (s *session) setCursor(c store.Cursor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = c
}

func (s *session) storedCursor() store.Cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor
}

// saveCursor writes the position the tracker has reached, and the
// progress of the post-fetch action when withAction is set, unless the
// store is already there.
func (s *session) saveCursor(ctx context.Context, withAction bool) error {
	base := s.track.current()
	withAction = withAction && s.p.mailbox.After != config.AfterNone
	stored := s.storedCursor()
	if stored.LastUID >= base && (!withAction || stored.ActionUID >= base) {
		return nil
	}
	c, err := s.p.cursors.UpdateCursor(ctx, s.p.key, s.uidValidity, func(c *store.Cursor) {
		c.LastUID = base
		if withAction {
			c.ActionUID = base
		}
	})
	if err != nil {
		return fmt.Errorf("save cursor at UID %d: %w", base, err)
	}
	s.setCursor(c)
	return nil
}
