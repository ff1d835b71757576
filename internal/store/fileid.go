package store

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// ErrFileReplaced is returned by every write when the store's path no
// longer names the file that Open opened: the file was removed, renamed,
// or replaced by another one while sved ran. A commit to the open file
// would then land in a file that the next start does not read, so the
// store refuses to write until sved is restarted.
var ErrFileReplaced = errors.New("store file was removed or replaced since it was opened, restart sved")

// fileIdentity is the device and inode of the open store file, checked
// against its path before each write.
type fileIdentity struct {
	path   string      // absolute path of the store file
	opened os.FileInfo // fstat of the open file, taken at Open
	logged atomic.Bool // whether the replacement was logged
}

// checkFile returns ErrFileReplaced, wrapped with the path, when the
// path now names another file or none. It costs one stat(2) call.
func (s *Store) checkFile() error {
	id := &s.file
	current, err := os.Stat(id.path)
	if err == nil && os.SameFile(current, id.opened) {
		return nil
	}
	cause := "another file"
	if err != nil {
		cause = err.Error()
	}
	if !id.logged.Swap(true) {
		s.logger.Error("store file was removed or replaced, writes fail until restart",
			"path", id.path, "err", cause)
	}
	return fmt.Errorf("store %s: %w", id.path, ErrFileReplaced)
}

// batch runs fn in a transaction shared with concurrent callers (see
// committer), after checking that the store file is still in place.
// The check runs inside the transaction, just before fn, so that a
// replacement noticed by any caller keeps that caller's write out of the
// commit.
func (s *Store) batch(fn func(tx *bolt.Tx) error) error {
	err := s.commits.run(func(tx *bolt.Tx) error {
		if err := s.checkFile(); err != nil {
			return err
		}
		return fn(tx)
	})
	if err == nil {
		s.noteWrite()
	}
	return err
}

// batchStaged is batch for a write in three steps (see stagedWrite). The
// file check runs before the prepare step of each attempt.
func (s *Store) batchStaged(newWrite func() stagedWrite) error {
	err := s.commits.runStaged(func() stagedWrite {
		w := newWrite()
		prepare := w.prepare
		w.prepare = func(tx *bolt.Tx) error {
			if err := s.checkFile(); err != nil {
				return err
			}
			return prepare(tx)
		}
		return w
	})
	if err == nil {
		s.noteWrite()
	}
	return err
}
