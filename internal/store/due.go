package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

// DueItem is one due date of a dossier, as DueBefore returns it.
type DueItem struct {
	Date    deadline.Date   `json:"date"`
	Kind    dossier.DueKind `json:"kind"`
	Dossier dossier.Dossier `json:"dossier"`
}

// dueDateKey writes d as the 8 digits YYYYMMDD, which sort in date order.
func dueDateKey(d deadline.Date) string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// dueKeys returns the keys of d in the due bucket: YYYYMMDD 0 KIND 0 REF
// for each pending due date of d (see dossier.Dossier.Pending): a letter
// already sent, or a decision already born, is no longer due.
func dueKeys(d *dossier.Dossier) [][]byte {
	var keys [][]byte
	due := d.Pending()
	for _, kind := range dossier.DueKinds {
		date := due.Date(kind)
		if date.IsZero() {
			continue
		}
		keys = append(keys, append(prefixKey(dueDateKey(date), string(kind)), d.Ref...))
	}
	return keys
}

// replaceDueIndex removes the due entries of before (nil for a new
// dossier) and writes those of after.
func replaceDueIndex(tx *bolt.Tx, before, after *dossier.Dossier) error {
	b := tx.Bucket(bucketDue)
	if before != nil {
		for _, k := range dueKeys(before) {
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("due index of %s: %w", before.Ref, err)
			}
		}
	}
	for _, k := range dueKeys(after) {
		if err := b.Put(k, nil); err != nil {
			return fmt.Errorf("due index of %s: %w", after.Ref, err)
		}
	}
	return nil
}

// DueBefore returns the due dates strictly before date, the earliest
// first, limited to kinds when any are given. It is one range scan of the
// due index, which holds pending due dates only: automatic and
// quarantined dossiers, letters already sent and decisions already born
// never appear.
// Each item carries the dossier as stored now.
func (s *Store) DueBefore(date deadline.Date, kinds ...dossier.DueKind) ([]DueItem, error) {
	for _, k := range kinds {
		if !k.Valid() {
			return nil, fmt.Errorf("due dates before %s: unknown kind %q", date, k)
		}
	}
	if !date.IsValid() {
		return nil, fmt.Errorf("due dates before %q: invalid date", date)
	}
	end := []byte(dueDateKey(date))
	var out []DueItem
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			item, ref, err := parseDueKey(k)
			if err != nil {
				return err
			}
			if len(kinds) > 0 && !slices.Contains(kinds, item.Kind) {
				continue
			}
			d, err := getDossier(tx, ref)
			if err != nil {
				return fmt.Errorf("due index: %w", err)
			}
			item.Dossier = *d
			out = append(out, item)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due dates before %s: %w", date, err)
	}
	return out, nil
}

// parseDueKey splits a due index key into its date, kind and reference.
func parseDueKey(k []byte) (DueItem, string, error) {
	parts := bytes.SplitN(k, []byte{keySep}, 3)
	if len(parts) != 3 || len(parts[0]) != 8 {
		return DueItem{}, "", fmt.Errorf("invalid due index key %q", k)
	}
	s := string(parts[0])
	date, err := deadline.ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:])
	if err != nil {
		return DueItem{}, "", fmt.Errorf("invalid due index key %q: %w", k, err)
	}
	return DueItem{Date: date, Kind: dossier.DueKind(parts[1])}, string(parts[2]), nil
}

// ErrNoDeadlines is returned by UpdateDue for a dossier whose state has
// no due dates, such as an automatic message.
var ErrNoDeadlines = errors.New("dossier has no deadlines in its state")

// UpdateDue changes a dossier whose due dates may move, in one
// transaction shared with concurrent writers. mutate changes the
// dossier's nature, regime, délai, service or requests for pieces and
// returns the journal events that record the change with their actor.
// UpdateDue then recomputes the due dates in calendar cal, moves the due
// index entries, appends the events and writes the dossier. mutate runs
// inside the transaction, possibly more than once, on a fresh copy each
// time, and must have no side effects. An error from mutate writes
// nothing.
//
// mutate may not change the dossier's identity, state or receipt
// instant: those are restored after it returns.
func (s *Store) UpdateDue(ctx context.Context, ref string, cal *deadline.Calendar,
	mutate func(d *dossier.Dossier) ([]dossier.Event, error)) (*dossier.Dossier, error) {
	if cal == nil {
		return nil, fmt.Errorf("update due dates of %s: calendar is missing", ref)
	}
	out, _, err := s.Update(ctx, ref, cal, "", func(d *dossier.Dossier) (Change, error) {
		if !d.State.HasDeadlines() {
			return Change{}, fmt.Errorf("state %q: %w", d.State, ErrNoDeadlines)
		}
		state := d.State
		events, err := mutate(d)
		d.State = state
		return Change{Events: events}, err
	})
	if err != nil {
		return nil, fmt.Errorf("update due dates: %w", err)
	}
	s.logger.Debug("due dates updated", "tenant", out.Tenant, "dossier", ref,
		"aee_due", out.AEEDue.String(), "are_due", out.AREDue.String(),
		"implicit_decision", out.ImplicitDecision.String())
	return out, nil
}
