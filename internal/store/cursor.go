package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CursorKey names the cursor of one polled IMAP mailbox.
type CursorKey struct {
	Tenant  string
	Mailbox string // the mailbox's name in the configuration
}

// Cursor is the position of the IMAP poller in one mailbox folder. UIDs
// are only meaningful within one UIDVALIDITY: a cursor read or updated
// with another UIDVALIDITY starts again from zero.
type Cursor struct {
	UIDValidity uint32 `json:"uid_validity"`
	// LastUID is the highest UID up to which every message is stored or
	// skipped. It never decreases within one UIDVALIDITY.
	LastUID uint32 `json:"last_uid"`
	// ActionUID is the highest UID up to which the post-fetch action has
	// been applied to every stored message. It never decreases within
	// one UIDVALIDITY.
	ActionUID uint32 `json:"action_uid,omitempty"`
	// Failures counts the failed attempts of messages above LastUID.
	Failures map[uint32]int `json:"failures,omitempty"`
	// Skipped lists the messages given up after too many failures and
	// not yet passed by ActionUID, so that the post-fetch action leaves
	// them in the folder.
	Skipped []uint32 `json:"skipped,omitempty"`
	// Since is the first connection to a mailbox read with initial: new.
	// The messages the server received before it were in the folder then
	// and are never read, even when a UIDVALIDITY change makes the
	// folder be read again. It survives UIDVALIDITY changes.
	Since time.Time `json:"since,omitzero"`
}

// CursorMark moves a cursor forward in the transaction that stores an
// item (NewDossier.Cursor).
type CursorMark struct {
	Key         CursorKey
	UIDValidity uint32
	// UID is the new LastUID: every message up to it, this one included,
	// is stored or skipped once the transaction commits.
	UID uint32
}

func (k CursorKey) bytes() []byte {
	return prefixKey(k.Tenant, k.Mailbox)
}

func (k CursorKey) check() error {
	if err := checkKeyPart("tenant", k.Tenant); err != nil {
		return err
	}
	return checkKeyPart("mailbox", k.Mailbox)
}

// Cursor returns the stored cursor of key, or the zero Cursor when the
// mailbox was never read.
func (s *Store) Cursor(key CursorKey) (Cursor, error) {
	var c Cursor
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketCursors), key.bytes(), &c)
		return err
	})
	if err != nil {
		return Cursor{}, fmt.Errorf("read cursor of mailbox %s of tenant %s: %w", key.Mailbox, key.Tenant, err)
	}
	return c, nil
}

// UpdateCursor changes the cursor of key with update and stores it in a
// transaction of its own. A stored cursor of another UIDVALIDITY is
// replaced by a zero Cursor of uidValidity before update runs. LastUID
// and ActionUID never move backwards, whatever update does. update may
// run more than once and must only change c.
func (s *Store) UpdateCursor(ctx context.Context, key CursorKey, uidValidity uint32,
	update func(c *Cursor)) (Cursor, error) {
	if err := key.check(); err != nil {
		return Cursor{}, fmt.Errorf("update cursor: %w", err)
	}
	var result Cursor
	err := s.batch(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := loadCursor(tx, key, uidValidity)
		if err != nil {
			return err
		}
		before := c
		update(&c)
		c.LastUID = max(c.LastUID, before.LastUID)
		c.ActionUID = max(c.ActionUID, before.ActionUID)
		result = c
		return saveCursor(tx, key, &c)
	})
	if err != nil {
		return Cursor{}, fmt.Errorf("update cursor of mailbox %s of tenant %s: %w", key.Mailbox, key.Tenant, err)
	}
	return result, nil
}

// applyMark moves the cursor of m.Key to m.UID inside a storing
// transaction.
func applyMark(tx *bolt.Tx, m *CursorMark) error {
	c, err := loadCursor(tx, m.Key, m.UIDValidity)
	if err != nil {
		return err
	}
	c.LastUID = max(c.LastUID, m.UID)
	return saveCursor(tx, m.Key, &c)
}

// loadCursor reads the cursor of key, or a zero one of uidValidity when
// none is stored or the stored one belongs to another UIDVALIDITY. The
// maps and slices it returns are copies the caller may change.
func loadCursor(tx *bolt.Tx, key CursorKey, uidValidity uint32) (Cursor, error) {
	var c Cursor
	if _, err := getJSON(tx.Bucket(bucketCursors), key.bytes(), &c); err != nil {
		return Cursor{}, fmt.Errorf("cursor: %w", err)
	}
	if c.UIDValidity != uidValidity {
		return Cursor{UIDValidity: uidValidity, Since: c.Since}, nil
	}
	c.Failures = maps.Clone(c.Failures)
	c.Skipped = slices.Clone(c.Skipped)
	return c, nil
}

// saveCursor drops the failure counts that LastUID has passed and the
// skipped UIDs that ActionUID has passed, then stores c.
func saveCursor(tx *bolt.Tx, key CursorKey, c *Cursor) error {
	maps.DeleteFunc(c.Failures, func(uid uint32, _ int) bool { return uid <= c.LastUID })
	if len(c.Failures) == 0 {
		c.Failures = nil
	}
	c.Skipped = slices.DeleteFunc(c.Skipped, func(uid uint32) bool { return uid <= c.ActionUID })
	slices.Sort(c.Skipped)
	c.Skipped = slices.Compact(c.Skipped)
	if len(c.Skipped) == 0 {
		c.Skipped = nil
	}
	if err := putJSON(tx.Bucket(bucketCursors), key.bytes(), c); err != nil {
		return fmt.Errorf("cursor: %w", err)
	}
	return nil
}
