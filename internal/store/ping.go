package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Ping reports whether the store can be read: the file is open, is
// still the one opened, and a read transaction starts. It is cheap
// enough for a health check.
func (s *Store) Ping() error {
	if err := s.checkFile(); err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return fmt.Errorf("bucket %s missing", bucketMeta)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}
