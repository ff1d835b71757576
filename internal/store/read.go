package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// Get returns the dossier with the given reference, or an error wrapping
// ErrNotFound.
func (s *Store) Get(ref string) (*dossier.Dossier, error) {
	var d *dossier.Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		d, err = getDossier(tx, ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ByToken returns the dossier whose reply token is token, or an error
// wrapping ErrNotFound. The error does not contain the token.
func (s *Store) ByToken(token string) (*dossier.Dossier, error) {
	var d *dossier.Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		var ref string
		found, err := getJSON(tx.Bucket(bucketTokens), []byte(token), &ref)
		if err != nil {
			return errors.New("decode token entry")
		}
		if !found {
			return ErrNotFound
		}
		d, err = getDossier(tx, ref)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dossier by reply token: %w", err)
	}
	return d, nil
}

// Raw returns the first raw message of the dossier, as received.
func (s *Store) Raw(ref string) ([]byte, error) {
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMessages).Get(seqKey(prefixKey(ref), 0))
		if v == nil {
			return ErrNotFound
		}
		raw = bytes.Clone(v)
		dropPages(tx, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("raw message of dossier %s: %w", ref, err)
	}
	return raw, nil
}

// Messages returns every raw message of the dossier in the order they
// were stored, the first one included.
func (s *Store) Messages(ref string) ([][]byte, error) {
	var out [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := prefixKey(ref)
		c := tx.Bucket(bucketMessages).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			out = append(out, bytes.Clone(v))
			dropPages(tx, v)
		}
		if len(out) == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("messages of dossier %s: %w", ref, err)
	}
	return out, nil
}

// List returns the dossiers that match f, the most recently received
// first. It walks the listing index that matches the filter and decodes
// only the dossiers it selects.
func (s *Store) List(f ListFilter) ([]dossier.Dossier, error) {
	bucket, prefix := listIndex(f)
	var out []dossier.Dossier
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, _ := seekLast(c, prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			ref := string(k[len(prefix)+8:])
			d, err := getDossier(tx, ref)
			if err != nil {
				return fmt.Errorf("index %s: %w", bucket, err)
			}
			out = append(out, *d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list dossiers (tenant %q, state %q): %w", f.Tenant, f.State, err)
	}
	return out, nil
}

// listIndex returns the index bucket and key prefix that serve f.
func listIndex(f ListFilter) ([]byte, []byte) {
	switch {
	case f.Tenant != "" && f.State != "":
		return bucketIndexTenantState, prefixKey(f.Tenant, string(f.State))
	case f.Tenant != "":
		return bucketIndexTenant, prefixKey(f.Tenant)
	case f.State != "":
		return bucketIndexState, prefixKey(string(f.State))
	default:
		return bucketIndexAll, nil
	}
}

// Stats counts dossiers and mails.
type Stats struct {
	Dossiers int                   // all dossiers
	States   map[dossier.State]int // dossiers per state
	Pending  int                   // mails waiting for delivery
	Sent     int                   // mails accepted by the relay
	Failed   int                   // mails given up
}

// Stats counts dossiers per state from the listing index and mails per
// status. Counting sent and failed mails decodes every mail entry, but
// never a raw message.
func (s *Store) Stats() (Stats, error) {
	st := Stats{States: make(map[dossier.State]int)}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIndexState).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			i := bytes.IndexByte(k, keySep)
			if i < 0 {
				return fmt.Errorf("invalid state index key %q", k)
			}
			st.States[dossier.State(k[:i])]++
			st.Dossiers++
		}
		return tx.Bucket(bucketMails).ForEach(func(k, v []byte) error {
			var m struct {
				Status MailStatus `json:"status"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode mail %q: %w", k, err)
			}
			switch m.Status {
			case MailPending:
				st.Pending++
			case MailSent:
				st.Sent++
			case MailFailed:
				st.Failed++
			}
			return nil
		})
	})
	if err != nil {
		return Stats{}, fmt.Errorf("store stats: %w", err)
	}
	return st, nil
}
