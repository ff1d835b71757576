package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// migrations bring a file of layout version N-1 to version N, in the
// transaction that Open runs; migrations[N-2] does the step to N.
var migrations = []func(tx *bolt.Tx) error{
	settleSentAEEs,
	indexJournalMessageIDs,
}

// migrate runs the steps from layout version from to schemaVersion.
func migrate(tx *bolt.Tx, from int) error {
	for v := from; v < schemaVersion; v++ {
		if err := migrations[v-1](tx); err != nil {
			return fmt.Errorf("upgrade layout %d to %d: %w", v, v+1, err)
		}
	}
	return nil
}

// settleSentAEEs is the step to layout 2, in which a sent AEE is no
// longer due: a dossier whose journal records its AEE as sent gets
// AEESentAt from that event, and its AEE leaves the due index.
func settleSentAEEs(tx *bolt.Tx) error {
	due := tx.Bucket(bucketDue)
	var refs []string
	err := due.ForEach(func(k, _ []byte) error {
		item, ref, err := parseDueKey(k)
		if err != nil {
			return err
		}
		if item.Kind == dossier.DueAEE {
			refs = append(refs, ref)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, ref := range refs {
		d, err := getDossier(tx, ref)
		if err != nil {
			return err
		}
		sent, err := aeeSentEvent(tx, ref)
		if err != nil || sent == nil {
			return err
		}
		before := *d
		d.AEESentAt = sent.At
		if err := replaceDueIndex(tx, &before, d); err != nil {
			return err
		}
		if err := putDossier(tx, d); err != nil {
			return err
		}
	}
	return nil
}

// aeeSentEvent returns the first journal event of ref that records its
// AEE as sent, or nil.
func aeeSentEvent(tx *bolt.Tx, ref string) (*dossier.Event, error) {
	prefix := prefixKey(ref)
	c := tx.Bucket(bucketJournal).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e dossier.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("journal of %s: %w", ref, err)
		}
		if e.Kind == dossier.EventMailSent && e.Fields["kind"] == string(dossier.DueAEE) {
			return &e, nil
		}
	}
	return nil, nil
}

// indexJournalMessageIDs is the step to layout 3: the Message-IDs that
// the journals name are indexed for threading.
func indexJournalMessageIDs(tx *bolt.Tx) error {
	return tx.Bucket(bucketDossiers).ForEach(func(k, v []byte) error {
		var d dossier.Dossier
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("dossier %s: %w", k, err)
		}
		var events []dossier.Event
		prefix := prefixKey(d.Ref)
		c := tx.Bucket(bucketJournal).Cursor()
		for jk, jv := c.Seek(prefix); jk != nil && bytes.HasPrefix(jk, prefix); jk, jv = c.Next() {
			var e dossier.Event
			if err := json.Unmarshal(jv, &e); err != nil {
				return fmt.Errorf("journal of %s: %w", d.Ref, err)
			}
			events = append(events, e)
		}
		return indexMessageIDs(tx, &d, events)
	})
}
