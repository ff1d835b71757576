package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// appendEvents seals events after the dossier's last stored event and
// writes them. It updates d.EventCount but does not write d. Events
// without a time get now, and every time is stored in UTC.
func appendEvents(tx *bolt.Tx, d *dossier.Dossier, events []dossier.Event, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	b := tx.Bucket(bucketJournal)
	prefix := prefixKey(d.Ref)

	last, err := lastEvent(b, prefix)
	if err != nil {
		return fmt.Errorf("journal of %s: %w", d.Ref, err)
	}
	if err := checkEventCount(d, last); err != nil {
		return fmt.Errorf("journal of %s: %w", d.Ref, err)
	}

	for i := range events {
		e := events[i]
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC()
		e.Seal(last)
		if err := putJSON(b, seqKey(prefix, e.Seq), &e); err != nil {
			return fmt.Errorf("journal of %s: event %d: %w", d.Ref, e.Seq, err)
		}
		last = &e
	}
	d.EventCount = last.Seq + 1
	return indexMessageIDs(tx, d, events)
}

// lastEvent reads the dossier's last stored event, or nil when the
// journal is empty.
func lastEvent(b *bolt.Bucket, prefix []byte) (*dossier.Event, error) {
	k, v := lastUnder(b, prefix)
	if k == nil {
		return nil, nil
	}
	var e dossier.Event
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("decode last event: %w", err)
	}
	return &e, nil
}

// checkEventCount compares the dossier's event count with its last
// stored event, which must agree before anything is appended.
func checkEventCount(d *dossier.Dossier, last *dossier.Event) error {
	switch {
	case last == nil && d.EventCount != 0:
		return fmt.Errorf("event count is %d but no event is stored", d.EventCount)
	case last != nil && last.Seq+1 != d.EventCount:
		return fmt.Errorf("event count is %d but the last stored event is %d",
			d.EventCount, last.Seq)
	}
	return nil
}

// Journal returns the dossier's events in order. It returns ErrNotFound
// when the dossier does not exist.
func (s *Store) Journal(ref string) ([]dossier.Event, error) {
	var events []dossier.Event
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDossiers).Get([]byte(ref)) == nil {
			return ErrNotFound
		}
		prefix := prefixKey(ref)
		c := tx.Bucket(bucketJournal).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var e dossier.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %q: %w", k, err)
			}
			events = append(events, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal of dossier %s: %w", ref, err)
	}
	return events, nil
}
