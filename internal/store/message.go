package store

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// AddMessage stores a further raw message of an existing dossier, such as
// mail sent to its reply-token address, with the events and mails that
// build returns, in one transaction shared with concurrent callers. When
// the dossier already has a message for dedupKey, AddMessage writes
// nothing and returns created false. build may change the dossier's
// state and descriptive fields but not its identity (reference, tenant,
// number, receipt time, token). It runs inside the transaction, possibly
// more than once, and must not have side effects.
func (s *Store) AddMessage(ctx context.Context, ref string, raw []byte, dedupKey string,
	build func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error)) (bool, error) {
	if err := checkKeyPart("dedup key", dedupKey); err != nil {
		return false, fmt.Errorf("add message to %s: %w", ref, err)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("add message to %s: %w", ref, err)
	}

	var res createResult
	err := s.batch(func(tx *bolt.Tx) error {
		res = createResult{}
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := s.addMessageTx(tx, ref, raw, dedupKey, build)
		if err != nil {
			return err
		}
		res = r
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("add message to %s: %w", ref, err)
	}

	if res.queued > 0 {
		s.signalWake()
	}
	if res.created {
		s.logger.Debug("message added", "tenant", res.d.Tenant, "dossier", ref,
			"mails", res.queued)
	}
	return res.created, nil
}

func (s *Store) addMessageTx(tx *bolt.Tx, ref string, raw []byte, dedupKey string,
	build func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error)) (createResult, error) {
	d, err := getDossier(tx, ref)
	if err != nil {
		return createResult{}, err
	}

	dedup := tx.Bucket(bucketMessageDedup)
	key := prefixKey(ref, dedupKey)
	if dedup.Get(key) != nil {
		return createResult{d: d}, nil
	}
	// The same item may come back after its dossier moved on, when it no
	// longer threads there: an IMAP folder read again, an SMTP retry. The
	// tenant's dedup bucket then still contains it, whichever dossier
	// has it, and nothing is written twice.
	tenantKey := prefixKey(d.Tenant, dedupKey)
	if tx.Bucket(bucketDedup).Get(tenantKey) != nil {
		return createResult{d: d}, nil
	}
	if err := putJSON(tx.Bucket(bucketDedup), tenantKey, ref); err != nil {
		return createResult{}, fmt.Errorf("dedup key of a message of %s: %w", ref, err)
	}

	n := nextMessageNumber(tx, ref)
	if err := putMessage(tx, ref, n, raw); err != nil {
		return createResult{}, err
	}

	before := *d
	queued, err := s.applyBuild(tx, d, build, s.nowUTC())
	if err != nil {
		return createResult{}, err
	}
	d.Token = before.Token
	d.Channel = before.Channel
	d.RawSHA256 = before.RawSHA256
	d.RawSize = before.RawSize

	if d.State != before.State {
		if err := deleteIndexes(tx, &before); err != nil {
			return createResult{}, err
		}
		if err := putIndexes(tx, d); err != nil {
			return createResult{}, err
		}
	}
	if d.State != before.State || d.Pending() != before.Pending() {
		if err := replaceDueIndex(tx, &before, d); err != nil {
			return createResult{}, err
		}
	}
	if err := putJSON(dedup, key, n); err != nil {
		return createResult{}, fmt.Errorf("dedup key of message %d of %s: %w", n, ref, err)
	}
	if err := putDossier(tx, d); err != nil {
		return createResult{}, err
	}
	return createResult{d: d, created: true, queued: queued}, nil
}

// nextMessageNumber returns the number the dossier's next raw message
// gets: one more than the last stored, or 0.
func nextMessageNumber(tx *bolt.Tx, ref string) uint64 {
	prefix := prefixKey(ref)
	k, _ := lastUnder(tx.Bucket(bucketMessages), prefix)
	if k == nil {
		return 0
	}
	return binary.BigEndian.Uint64(k[len(prefix):]) + 1
}
