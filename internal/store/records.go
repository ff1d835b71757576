package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

func putDossier(tx *bolt.Tx, d *dossier.Dossier) error {
	if err := putJSON(tx.Bucket(bucketDossiers), []byte(d.Ref), d); err != nil {
		return fmt.Errorf("dossier %s: %w", d.Ref, err)
	}
	return nil
}

// getDossier returns the stored dossier or an error wrapping ErrNotFound.
func getDossier(tx *bolt.Tx, ref string) (*dossier.Dossier, error) {
	var d dossier.Dossier
	found, err := getJSON(tx.Bucket(bucketDossiers), []byte(ref), &d)
	if err != nil {
		return nil, fmt.Errorf("dossier %s: %w", ref, err)
	}
	if !found {
		return nil, fmt.Errorf("dossier %s: %w", ref, ErrNotFound)
	}
	return &d, nil
}

// putMessage stores raw message number n of the dossier. The bytes are
// stored as they are, not JSON-encoded, and bbolt keeps a reference to
// raw until the transaction commits.
func putMessage(tx *bolt.Tx, ref string, n uint64, raw []byte) error {
	key := seqKey(prefixKey(ref), n)
	if err := tx.Bucket(bucketMessages).Put(key, raw); err != nil {
		return fmt.Errorf("message %d of %s (%d bytes): %w", n, ref, len(raw), err)
	}
	return nil
}

// putToken indexes the dossier's reply token. A token that already
// points to another dossier is an error, because replies would reach the
// wrong dossier.
func putToken(tx *bolt.Tx, d *dossier.Dossier) error {
	if d.Token == "" {
		return nil
	}
	if err := checkKeyPart("token", d.Token); err != nil {
		return fmt.Errorf("dossier %s: %w", d.Ref, err)
	}
	b := tx.Bucket(bucketTokens)
	var other string
	found, err := getJSON(b, []byte(d.Token), &other)
	if err != nil {
		return fmt.Errorf("token of %s: %w", d.Ref, err)
	}
	if found && other != d.Ref {
		return fmt.Errorf("token of %s is already used by %s", d.Ref, other)
	}
	if err := putJSON(b, []byte(d.Token), d.Ref); err != nil {
		return fmt.Errorf("token of %s: %w", d.Ref, err)
	}
	return nil
}

// indexKeys returns, per listing index bucket, the key of d: a prefix
// naming the filter, then the receipt time in 8 big-endian bytes, then
// the reference. The values are empty.
func indexKeys(d *dossier.Dossier) map[string][]byte {
	suffix := func(prefix []byte) []byte {
		return append(seqKey(prefix, timeKey(d.ReceivedAt)), d.Ref...)
	}
	tenant, state := d.Tenant, string(d.State)
	return map[string][]byte{
		string(bucketIndexAll):         suffix(nil),
		string(bucketIndexTenant):      suffix(prefixKey(tenant)),
		string(bucketIndexState):       suffix(prefixKey(state)),
		string(bucketIndexTenantState): suffix(prefixKey(tenant, state)),
	}
}

func putIndexes(tx *bolt.Tx, d *dossier.Dossier) error {
	for name, key := range indexKeys(d) {
		if err := tx.Bucket([]byte(name)).Put(key, nil); err != nil {
			return fmt.Errorf("index %s of %s: %w", name, d.Ref, err)
		}
	}
	return nil
}

func deleteIndexes(tx *bolt.Tx, d *dossier.Dossier) error {
	for name, key := range indexKeys(d) {
		if err := tx.Bucket([]byte(name)).Delete(key); err != nil {
			return fmt.Errorf("index %s of %s: %w", name, d.Ref, err)
		}
	}
	return nil
}
