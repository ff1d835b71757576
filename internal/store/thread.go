package store

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// indexMessageIDs records, for threading, the Message-ID that each of
// events names in its "message_id" field: the request itself, each
// further message and each mail sved queued for the dossier. An ID that
// already belongs to a dossier of the tenant keeps it.
func indexMessageIDs(tx *bolt.Tx, d *dossier.Dossier, events []dossier.Event) error {
	b := tx.Bucket(bucketMessageIDs)
	for _, e := range events {
		id := normalizeMessageID(e.Fields["message_id"])
		if id == "" || len(id) > maxIndexedID || checkKeyPart("message ID", id) != nil {
			continue
		}
		key := prefixKey(d.Tenant, id)
		if b.Get(key) != nil {
			continue
		}
		if err := b.Put(key, []byte(d.Ref)); err != nil {
			return fmt.Errorf("message ID index of %s: %w", d.Ref, err)
		}
	}
	return nil
}

// maxIndexedID is the longest Message-ID the index keeps: an RFC 5322
// line holds 998 octets, and bbolt keys at most 32 KiB.
const maxIndexedID = 998

// normalizeMessageID returns id without angle brackets and spaces.
func normalizeMessageID(id string) string {
	return strings.TrimSpace(strings.Trim(strings.TrimSpace(id), "<>"))
}

// ByMessageID returns the reference of the dossier of tenant that owns
// the Message-ID id: a message it received or a mail sved sent for it.
// It returns ErrNotFound when no dossier does.
func (s *Store) ByMessageID(tenant, id string) (string, error) {
	id = normalizeMessageID(id)
	if id == "" || len(id) > maxIndexedID {
		return "", ErrNotFound
	}
	var ref string
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMessageIDs).Get(prefixKey(tenant, id))
		if v == nil {
			return ErrNotFound
		}
		ref = string(v)
		return nil
	})
	return ref, err
}
