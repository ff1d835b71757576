package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

// Change is the part of a transition written besides the dossier
// itself: the journal events that record it and the mails it causes.
type Change struct {
	Events []dossier.Event
	Mails  []OutboundMail
}

// empty reports whether c writes nothing.
func (c Change) empty() bool {
	return len(c.Events) == 0 && len(c.Mails) == 0
}

// Update changes dossier ref in one transaction shared with concurrent
// writers: mutate gets a fresh copy of the stored dossier, may change its
// state and descriptive fields, and returns the events and mails of the
// change. Update then recomputes the due dates in calendar cal (nil
// keeps them as mutate left them), moves the listing and due index
// entries, appends the events, queues the mails and writes the dossier.
//
// once, when not empty, names the change: a change of that name that
// was already written makes Update write nothing and return false, and
// the name is recorded in the same transaction as the change. The
// scheduler queues each alert once this way, across restarts.
//
// A Change with no event and no mail writes nothing (the name is not
// recorded either) and returns false: mutate decides, on the dossier as
// it is inside the transaction, that there is nothing to do. An error
// from mutate writes nothing. mutate runs inside the transaction,
// possibly more than once, and must have no side effects. It may not
// change the dossier's identity or receipt instant: those are restored
// after it returns.
func (s *Store) Update(ctx context.Context, ref string, cal *deadline.Calendar, once string,
	mutate func(d *dossier.Dossier) (Change, error)) (*dossier.Dossier, bool, error) {
	if once != "" {
		if err := checkKeyPart("change name", once); err != nil {
			return nil, false, fmt.Errorf("update %s: %w", ref, err)
		}
	}
	var out *dossier.Dossier
	var changed bool
	var queued int
	err := s.batch(func(tx *bolt.Tx) error {
		out, changed, queued = nil, false, 0
		if err := ctx.Err(); err != nil {
			return err
		}
		d, n, err := s.updateTx(tx, ref, cal, once, mutate)
		if err != nil {
			return err
		}
		out, changed, queued = d, n >= 0, max(n, 0)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("update %s: %w", ref, err)
	}
	if queued > 0 {
		s.signalWake()
	}
	return out, changed, nil
}

// updateTx does Update's work inside tx. It returns the dossier and the
// number of mails queued, or -1 when nothing was written.
func (s *Store) updateTx(tx *bolt.Tx, ref string, cal *deadline.Calendar, once string,
	mutate func(d *dossier.Dossier) (Change, error)) (*dossier.Dossier, int, error) {
	before, err := getDossier(tx, ref)
	if err != nil {
		return nil, 0, err
	}
	if once != "" && tx.Bucket(bucketOnce).Get([]byte(once)) != nil {
		return before, -1, nil
	}
	d := cloneDossier(before)
	change, err := callChange(mutate, &d)
	if err != nil {
		return nil, 0, err
	}
	keepIdentity(&d, before)
	if !d.State.Valid() {
		return nil, 0, fmt.Errorf("unknown state %q", d.State)
	}
	if !d.Regime.Valid() {
		return nil, 0, fmt.Errorf("unknown regime %q", d.Regime)
	}
	if change.empty() {
		return before, -1, nil
	}
	if cal != nil {
		d.RecomputeDue(cal)
	}
	now := s.nowUTC()
	if err := appendEvents(tx, &d, change.Events, now); err != nil {
		return nil, 0, err
	}
	for i := range change.Mails {
		if err := queueMail(tx, &d, &change.Mails[i], now); err != nil {
			return nil, 0, err
		}
	}
	if err := moveIndexes(tx, before, &d); err != nil {
		return nil, 0, err
	}
	if err := putDossier(tx, &d); err != nil {
		return nil, 0, err
	}
	if once != "" {
		if err := putJSON(tx.Bucket(bucketOnce), []byte(once), now); err != nil {
			return nil, 0, fmt.Errorf("change %q: %w", once, err)
		}
	}
	return &d, len(change.Mails), nil
}

// moveIndexes moves the listing index entries of a dossier whose state
// changed from before to after, and its due index entries when its
// pending due dates changed.
func moveIndexes(tx *bolt.Tx, before, after *dossier.Dossier) error {
	if after.State != before.State {
		if err := deleteIndexes(tx, before); err != nil {
			return err
		}
		if err := putIndexes(tx, after); err != nil {
			return err
		}
	}
	if after.State != before.State || after.Pending() != before.Pending() {
		return replaceDueIndex(tx, before, after)
	}
	return nil
}

// keepIdentity puts back the fields of before that no update may
// change.
func keepIdentity(d, before *dossier.Dossier) {
	restoreOwned(d, before)
	d.Channel = before.Channel
	d.Token = before.Token
	d.ReplyAddress = before.ReplyAddress
	d.RawSHA256 = before.RawSHA256
	d.RawSize = before.RawSize
}

// callChange runs mutate and turns a panic into an error of that
// update.
func callChange(mutate func(d *dossier.Dossier) (Change, error), d *dossier.Dossier) (c Change, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return mutate(d)
}

// QueuedEvents returns one mail_queued journal event for each of mails,
// dated at, as every writer that queues a dossier's mails records them.
func QueuedEvents(mails []OutboundMail, at time.Time) []dossier.Event {
	events := make([]dossier.Event, 0, len(mails))
	for _, m := range mails {
		events = append(events, dossier.Event{
			At:    at.UTC(),
			Kind:  dossier.EventMailQueued,
			Actor: "sved",
			Fields: map[string]string{
				"kind":       m.Kind,
				"to":         strings.Join(m.Recipients, ", "),
				"message_id": m.MessageID,
			},
		})
	}
	return events
}

// QueueOnce queues mails that belong to no dossier, such as a daily
// digest, under the change name once, in one transaction: when a change
// of that name was already written, it queues nothing and returns false.
// Each mail must carry its ID and Tenant; its events go to the log, not
// to a journal.
func (s *Store) QueueOnce(ctx context.Context, once string, mails []OutboundMail) (bool, error) {
	if err := checkKeyPart("change name", once); err != nil {
		return false, fmt.Errorf("queue %q: %w", once, err)
	}
	for _, m := range mails {
		if m.ID == "" || m.Tenant == "" || m.Dossier != "" {
			return false, fmt.Errorf("queue %q: mail %q needs an ID and a tenant and no dossier", once, m.ID)
		}
	}
	var queued bool
	err := s.batch(func(tx *bolt.Tx) error {
		queued = false
		if err := ctx.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketOnce)
		if b.Get([]byte(once)) != nil {
			return nil
		}
		now := s.nowUTC()
		for i := range mails {
			m := mails[i]
			if err := queueLooseMail(tx, &m, now); err != nil {
				return err
			}
		}
		if err := putJSON(b, []byte(once), now); err != nil {
			return fmt.Errorf("change %q: %w", once, err)
		}
		queued = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("queue %q: %w", once, err)
	}
	if queued && len(mails) > 0 {
		s.signalWake()
	}
	return queued, nil
}

// Done reports whether a change named once was written.
func (s *Store) Done(once string) (bool, error) {
	var done bool
	err := s.db.View(func(tx *bolt.Tx) error {
		done = tx.Bucket(bucketOnce).Get([]byte(once)) != nil
		return nil
	})
	return done, err
}

// ErrMailExists is returned when a mail ID is already in the queue.
var ErrMailExists = errors.New("mail is already queued")

// queueLooseMail writes m, a mail of no dossier, as pending and due now.
func queueLooseMail(tx *bolt.Tx, m *OutboundMail, now time.Time) error {
	if err := checkKeyPart("mail ID", m.ID); err != nil {
		return err
	}
	if len(m.Recipients) == 0 || len(m.Raw) == 0 {
		return fmt.Errorf("%s mail %s has no recipient or no content", m.Kind, m.ID)
	}
	if tx.Bucket(bucketMails).Get([]byte(m.ID)) != nil {
		return fmt.Errorf("mail %s: %w", m.ID, ErrMailExists)
	}
	return putPending(tx, m, now)
}
